"""CPython on Windows: the installer's 3.11.7150.0 is Python 3.11.7, not a release past 3.11.9."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_matching import CATALOGUE

from advisories.matching import Matcher
from advisories.models import Advisory, AffectedProduct, InventoryItem, Status
from advisories.versions import compare, osv_range

# CVE-2024-0450-style statement as the PSF's CNA names it: fixed in 3.11.9 on the 3.11 line.
CPYTHON = AffectedProduct("Python Software Foundation", "CPython", ranges=(osv_range("3.11.0", fixed="3.11.9"),))


@pytest.mark.parametrize(("installed", "status"), [
    ("3.11.7150.0", Status.AFFECTED),  # 3.11.7 final, as Intune and ConfigMgr report it
    ("3.11.8150.0", Status.AFFECTED),
    ("3.11.9150.0", None),  # 3.11.9: the fix
    ("3.12.4150.0", None),
    ("3.11.7", Status.AFFECTED),  # a report that gives the release itself
])
def test_an_installer_version_is_judged_as_the_release_it_is(installed: str, status: Status | None) -> None:
    row = InventoryItem("barsetshire", "Python 3.11.7 (64-bit)", installed, "windows",
                        "Python Software Foundation")
    advisory = Advisory(id="cve:CVE-2024-0450", source="cve", title="CPython zipfile", kind="cve", affects=(CPYTHON,))
    found = Matcher([advisory], CATALOGUE).match_items([row])
    assert [m.status for m in found] == ([status] if status else [])


@given(st.integers(0, 2), st.integers(0, 30), st.integers(0, 30), st.sampled_from([(10, "alpha"), (11, "beta"),
                                                                                     (12, "rc"), (15, "")]),
       st.integers(0, 9))
def test_the_installer_field_orders_as_micro_level_serial(minor: int, micro: int, other: int,
                                                         level: tuple[int, str], serial: int) -> None:
    code, word = level
    installer = f"3.{minor}.{micro * 1000 + code * 10 + serial}.0"
    written = f"3.{minor}.{micro}" + (f"{word}{serial}" if word else "")
    assert compare(installer, written, "python-windows") == 0
    assert compare(installer, f"3.{minor}.{micro + 1}", "python-windows") == -1
