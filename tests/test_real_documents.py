"""benchmarks/real_documents.py: every document read, non-advisory JSON skipped, crashes named."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_documents", ROOT / "benchmarks" / "real_documents.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_mixed_folder_is_counted_and_summarised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURES / "cve5" / "CVE-2023-7024.json", tmp_path)
    shutil.copy(FIXTURES / "cve5" / "CVE-2021-26855.json", tmp_path)
    nested = tmp_path / "csaf"
    nested.mkdir()
    shutil.copy(FIXTURES / "csaf" / "cisagov-CSAF_IT_white_2024_va-24-254-02.json", nested)
    (nested / "feed.json").write_text('{"feed": {"entry": []}}')
    (nested / "provider-metadata.json").write_text('{"metadata_version": "2.0", "canonical_url": "x"}')
    (nested / "broken.json").write_text('{"document": {"csaf_version": "2.0"}}')  # no tracking: refused
    (nested / "notjson.json").write_text("<html>")
    benchmark = _benchmark()
    assert benchmark.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "documents   3 read (csaf 1, cve 2); skipped 3 (ROLIE 1, not JSON 1, provider metadata 1)" in out
    assert "unreadable 1" in out and "broken.json" in out
    assert "crashes     0" in out
    assert "at a fix    0 synthetic rows" in out  # Chrome's fix is never reported affected
    assert "per document" in out.splitlines()[-1]


def test_a_crash_is_named_and_the_run_goes_on(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURES / "cve5" / "CVE-2023-7024.json", tmp_path / "a.json")
    shutil.copy(FIXTURES / "cve5" / "CVE-2024-3400.json", tmp_path / "b.json")
    benchmark = _benchmark()
    real = benchmark.parse_record

    def fails_once(data: dict[str, object], **kw: str) -> object:
        if kw["feed"] == "a.json":
            raise RuntimeError("boom")
        return real(data, **kw)

    monkeypatch.setattr(benchmark, "parse_record", fails_once)
    assert benchmark.main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "a.json: RuntimeError: boom" in out
    assert "documents   1 read (cve 1)" in out


def test_an_inventory_file_is_used_when_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURES / "cve5" / "CVE-2023-7024.json", tmp_path)
    inventory = tmp_path / "inv" / "plain.csv"
    inventory.parent.mkdir()
    inventory.write_text("product,vendor,version,platform\nGoogle Chrome,Google,120.0.6099.109,windows\n"
                         "Google Chrome,Google,120.0.6099.129,windows\n")
    assert _benchmark().main([str(tmp_path), str(inventory)]) == 0
    out = capsys.readouterr().out
    assert "rows        1 affected, 0 unknown (of 1 matches)" in out
