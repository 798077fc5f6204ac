"""An installed package (a wheel, the Docker image) carries its default templates and rules."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_the_top_level_templates_and_rules(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("advisories-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").iterdir():
        assert f"advisories/_defaults/templates/{template.name}" in names
    assert "advisories/_defaults/rules/products.toml" in names
    assert "advisories/_defaults/rules/ncsc-2023-3cx-desktop-app.toml" in names


def test_an_operator_template_overrides_the_shipped_one_file_by_file(tmp_path: Path) -> None:
    from advisories.render import environment

    (tmp_path / "alert.subject.txt").write_text("Custom: {{ alert.council_name }}")
    env = environment(tmp_path)
    assert env.get_template("alert.subject.txt").filename == str(tmp_path / "alert.subject.txt")
    assert Path(env.get_template("alert.html").filename or "").parent.name == "templates"


def test_an_operators_drafts_never_ship(tmp_path: Path) -> None:
    import shutil

    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("advisories", "templates", "rules"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "drafts"))
    (src / "rules" / "drafts").mkdir()
    (src / "rules" / "drafts" / "half-done.toml").write_text('id = "half-done"\n')
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=300)
    [wheel] = tmp_path.glob("advisories-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "advisories/_defaults/rules/products.toml" in names
    assert not [n for n in names if n.startswith("advisories/_defaults/rules/drafts")]
