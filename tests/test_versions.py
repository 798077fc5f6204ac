"""Table tests for advisories.versions. Expected answers come from the vendors' own
advisories, named in each pytest id, so a failure says which advisory we misread."""

from __future__ import annotations

import pytest

from advisories.models import AffectedProduct, Bound, Status, VersionRange
from advisories.versions import (
    SCHEMES,
    UnknownSchemeError,
    VersParseError,
    compare,
    compile_statement,
    nginx_ranges,
    nvd_range,
    osv_range,
    parse_vers,
    parse_version,
)

A, N, U = Status.AFFECTED, Status.NOT_AFFECTED, Status.UNKNOWN


def product(name: str, **fields: object) -> AffectedProduct:
    return AffectedProduct(vendor="vendor", product=name, **fields)  # type: ignore[arg-type]


def verdict_status(statement: AffectedProduct, version: str) -> Status:
    return compile_statement(statement).status(version).status


# --- 3CX DesktopApp supply-chain compromise: explicit per-OS build lists -----------------
CX_WIN = product(
    "3CX DesktopApp",
    platform="windows",
    versions=("18.12.407", "18.12.416"),
    labels=(("Update 7", ("18.12.407", "18.12.416")),),
)
CX_MAC = product(
    "3CX DesktopApp",
    platform="macos",
    versions=("18.11.1213", "18.12.402", "18.12.407", "18.12.416"),
)
CX = "3cx-desktopapp-security-alert-2023-03-30"
CX_CASES = [
    pytest.param(CX_WIN, "18.12.416", A, id=f"{CX} win 18.12.416"),
    pytest.param(CX_WIN, "18.12.407", A, id=f"{CX} win 18.12.407"),
    pytest.param(CX_WIN, "18.12.416.0", A, id=f"{CX} win file version 18.12.416.0"),
    pytest.param(CX_WIN, "18.12.422", N, id=f"{CX} win 18.12.422 fixed"),
    pytest.param(CX_WIN, "18.12.410", N, id=f"{CX} win list not widened to 407-416"),
    pytest.param(CX_WIN, "18.12.402", N, id=f"{CX} win 18.12.402 is a macOS-only build"),
    pytest.param(CX_WIN, "update 7", A, id=f"{CX} win label 'update 7'"),
    pytest.param(CX_WIN, "Update7", A, id=f"{CX} win label 'Update7'"),
    pytest.param(CX_MAC, "18.11.1213", A, id=f"{CX} mac 18.11.1213"),
    pytest.param(CX_MAC, "18.12.402", A, id=f"{CX} mac 18.12.402"),
    pytest.param(CX_MAC, "18.12.407", A, id=f"{CX} mac 18.12.407"),
    pytest.param(CX_MAC, "18.12.416", A, id=f"{CX} mac 18.12.416"),
    pytest.param(CX_MAC, "18.12.422", N, id=f"{CX} mac 18.12.422 fixed"),
    pytest.param(CX_MAC, "18.11.1214", N, id=f"{CX} mac list not widened"),
    pytest.param(CX_MAC, "v18.12.416", A, id=f"{CX} mac leading v"),
]

# --- FortiOS CVE-2023-27997, FG-IR-23-097: one range per branch --------------------------
FORTI_BRANCHES = [
    ("7.2.0", "7.2.4", "7.2.5"),
    ("7.0.0", "7.0.11", "7.0.12"),
    ("6.4.0", "6.4.12", "6.4.13"),
    ("6.2.0", "6.2.13", "6.2.14"),
    ("6.0.0", "6.0.16", "6.0.17"),
]
FORTIOS = product(
    "FortiOS",
    ranges=tuple(osv_range(lo, last_affected=last) for lo, last, _ in FORTI_BRANCHES),
)
FORTIOS_FIXED = product(
    "FortiOS", ranges=tuple(osv_range(lo, fixed=fix) for lo, _, fix in FORTI_BRANCHES)
)
FG = "FG-IR-23-097 CVE-2023-27997"
FORTI_CASES = [
    pytest.param(s, v, want, id=f"{FG} {how} {v}")
    for how, s in (("last_affected", FORTIOS), ("fixed", FORTIOS_FIXED))
    for v, want in [
        ("7.2.0", A),
        ("7.2.4", A),
        ("7.2.5", N),
        ("7.0.11", A),
        ("7.0.12", N),
        ("7.1.0", N),  # ranges are per branch: no widening across 7.0 and 7.2
        ("6.4.12", A),
        ("6.4.13", N),
        ("6.2.13", A),
        ("6.2.14", N),
        ("6.0.16", A),
        ("6.0.17", N),
        ("7.4.0", N),
        ("v7.2.4,build1396 (GA.F)", A),
        ("v7.2.5,build1517 (GA.F)", N),
        ("latest", U),
        ("", U),
    ]
]

# --- Citrix CVE-2023-4966, CTX579459: release-build.patch per line ------------------------
CITRIX = product(
    "NetScaler ADC",
    scheme="citrix",
    ranges=(
        osv_range("14.1", fixed="14.1-8.50"),
        osv_range("13.1", fixed="13.1-49.15"),
        osv_range("13.0", fixed="13.0-92.19"),
    ),
)
CITRIX_FIPS = product(
    "NetScaler ADC 13.1-FIPS", scheme="citrix", ranges=(osv_range("13.1", fixed="13.1-37.164"),)
)
CTX = "CTX579459 CVE-2023-4966"
CITRIX_CASES = [
    pytest.param(CITRIX, "13.1-49.13", A, id=f"{CTX} 13.1-49.13"),
    pytest.param(CITRIX, "NS13.1: Build 49.13.nc", A, id=f"{CTX} appliance banner 49.13"),
    pytest.param(CITRIX, "13.1-4.44", A, id=f"{CTX} 13.1-4.44 (build 4 < 49)"),
    pytest.param(CITRIX, "13.1-49.15", N, id=f"{CTX} 13.1-49.15 fixed"),
    pytest.param(CITRIX, "NS13.1: Build 49.15.nc", N, id=f"{CTX} banner 49.15 fixed"),
    pytest.param(CITRIX, "13.1-50.23", N, id=f"{CTX} 13.1-50.23 later"),
    pytest.param(CITRIX, "14.1-4.42", A, id=f"{CTX} 14.1-4.42"),
    pytest.param(CITRIX, "14.1-8.50", N, id=f"{CTX} 14.1-8.50 fixed"),
    pytest.param(CITRIX, "13.0-92.18", A, id=f"{CTX} 13.0-92.18"),
    pytest.param(CITRIX, "13.0-92.19", N, id=f"{CTX} 13.0-92.19 fixed"),
    pytest.param(CITRIX_FIPS, "13.1-37.163", A, id=f"{CTX} 13.1-FIPS 37.163"),
    pytest.param(CITRIX_FIPS, "13.1-37.164", N, id=f"{CTX} 13.1-FIPS 37.164 fixed"),
    pytest.param(CITRIX, "13.1 Build 49.13", A, id=f"{CTX} inventory '13.1 Build 49.13'"),
    pytest.param(CITRIX, "13.1 build 49.15", N, id=f"{CTX} inventory '13.1 build 49.15' fixed"),
    pytest.param(CITRIX_FIPS, "13.1 Build 37.150", A, id=f"{CTX} 13.1-FIPS 'Build 37.150'"),
]

# The same bulletins read with the default scheme, as NVD's cpeMatch bounds arrive: the
# inventory spelling "13.1 Build 37.150" must read as 13.1-37.150, not sort below 13.1-0.0.
CITRIX_NVD_FIPS = product(
    "NetScaler ADC 13.1-FIPS",
    ranges=(nvd_range(start_including="13.1-37.0", end_excluding="13.1-37.164"),),
)
# CTX584986 (CVE-2023-6548, CVE-2023-6549): fixed in 14.1-12.35, 13.1-51.15, 13.0-92.21.
CTX6548 = "CTX584986 CVE-2023-6549"
CITRIX_6549 = tuple(
    product("NetScaler ADC", scheme=scheme, ranges=(
        osv_range("14.1", fixed="14.1-12.35"),
        osv_range("13.1", fixed="13.1-51.15"),
        osv_range("13.0", fixed="13.0-92.21"),
    ))
    for scheme in (None, "citrix")
)
CITRIX_CASES += [
    pytest.param(CITRIX_NVD_FIPS, "13.1 Build 37.150", A, id=f"{CTX} NVD FIPS range 'Build 37.150'"),
    pytest.param(CITRIX_NVD_FIPS, "13.1 build 37.163", A, id=f"{CTX} NVD FIPS range 'build 37.163'"),
    pytest.param(CITRIX_NVD_FIPS, "13.1 Build 37.164", N, id=f"{CTX} NVD FIPS range 37.164 fixed"),
    pytest.param(CITRIX_NVD_FIPS, "13.1-37.150", A, id=f"{CTX} NVD FIPS range 13.1-37.150"),
    pytest.param(CITRIX_NVD_FIPS, "NS13.1: Build 37.150.nc", A, id=f"{CTX} NVD FIPS range banner"),
] + [
    pytest.param(statement, version, want, id=f"{CTX6548} {statement.scheme or 'default'} {version}")
    for statement in CITRIX_6549
    for version, want in [
        ("13.1 Build 51.15", N),
        ("13.1 Build 51.14", A),
        ("13.1 Build 49.13", A),
        ("13.1 Build 4.44", A),
        ("14.1 Build 12.30", A),
        ("14.1 Build 12.35", N),
        ("13.0 Build 92.19", A),
        ("13.0 Build 92.21", N),
        ("NS13.1: Build 51.15.nc", N),
    ]
]

# --- Ivanti CVE-2023-46805: all supported 9.x and 22.x; the first patches (2024-01-31,
# listed in CISA ED 24-01 Supplemental Direction V1) were 9.1R14.4, 9.1R17.2, 9.1R18.3,
# 22.4R2.2 and 22.5R1.1. Each fix covers its own R line only; later lines were unpatched.
IVANTI = product(
    "Connect Secure",
    scheme="ivanti",
    ranges=(
        osv_range("9.0", fixed="9.1R14.4"),
        osv_range("9.1R15", fixed="9.1R17.2"),
        osv_range("9.1R18", fixed="9.1R18.3"),
        osv_range("22.0", fixed="22.4R2.2"),
        osv_range("22.5R1", fixed="22.5R1.1"),
        osv_range("22.5R2", fixed="23.0"),
    ),
)
IV = "ivanti-kb-CVE-2023-46805 ED-24-01"
IVANTI_CASES = [
    pytest.param(IVANTI, "22.4R2.1", A, id=f"{IV} 22.4R2.1"),
    pytest.param(IVANTI, "22.4R2.2", N, id=f"{IV} 22.4R2.2 fixed"),
    pytest.param(IVANTI, "22.4r2.2", N, id=f"{IV} lower-case r"),
    pytest.param(IVANTI, "22.3R1", A, id=f"{IV} 22.3R1"),
    pytest.param(IVANTI, "22.5R1", A, id=f"{IV} 22.5R1"),
    pytest.param(IVANTI, "22.5R1.1", N, id=f"{IV} 22.5R1.1 fixed"),
    pytest.param(IVANTI, "22.6R2", A, id=f"{IV} 22.6R2 (CVE record lessThanOrEqual)"),
    pytest.param(IVANTI, "9.1R18.2", A, id=f"{IV} 9.1R18.2"),
    pytest.param(IVANTI, "9.1R18.3", N, id=f"{IV} 9.1R18.3 fixed"),
    pytest.param(IVANTI, "9.1R17.1", A, id=f"{IV} 9.1R17.1"),
    pytest.param(IVANTI, "9.1R17.2", N, id=f"{IV} 9.1R17.2 fixed"),
    pytest.param(IVANTI, "9.1R14.4", N, id=f"{IV} 9.1R14.4 fixed"),
    pytest.param(IVANTI, "9.1R14.3", A, id=f"{IV} 9.1R14.3"),
    pytest.param(IVANTI, "9.1R13.1", A, id=f"{IV} 9.1R13.1"),
]

# --- MOVEit Transfer CVE-2023-34362: marketing and internal numbers name one release ------
MOVEIT = product(
    "MOVEit Transfer",
    ranges=(
        osv_range("0", fixed="2021.0.6"),  # 2020.x and older: no fix, upgrade
        osv_range("2021.1.0", fixed="2021.1.4"),
        osv_range("2022.0.0", fixed="2022.0.4"),
        osv_range("2022.1.0", fixed="2022.1.5"),
        osv_range("2023.0.0", fixed="2023.0.1"),
    ),
    version_aliases=(
        ("12.1", "2020.1"),
        ("13.0", "2021.0"),
        ("13.1", "2021.1"),
        ("14.0", "2022.0"),
        ("14.1", "2022.1"),
        ("15.0", "2023.0"),
    ),
)
MV = "progress-moveit-transfer-may-2023 CVE-2023-34362"
MOVEIT_CASES = [
    pytest.param(MOVEIT, "2023.0.0 (15.0.0)", A, id=f"{MV} dual 2023.0.0 (15.0.0)"),
    pytest.param(MOVEIT, "2023.0.1 (15.0.1)", N, id=f"{MV} dual 2023.0.1 (15.0.1) fixed"),
    pytest.param(MOVEIT, "15.0.0", A, id=f"{MV} internal 15.0.0"),
    pytest.param(MOVEIT, "15.0.1", N, id=f"{MV} internal 15.0.1 fixed"),
    pytest.param(MOVEIT, "2022.1.4", A, id=f"{MV} 2022.1.4"),
    pytest.param(MOVEIT, "14.1.5", N, id=f"{MV} internal 14.1.5 fixed"),
    pytest.param(MOVEIT, "2022.0.4", N, id=f"{MV} 2022.0.4 fixed"),
    pytest.param(MOVEIT, "13.0.5", A, id=f"{MV} internal 13.0.5"),
    pytest.param(MOVEIT, "13.0.6", N, id=f"{MV} internal 13.0.6 fixed, though 13 < 2021"),
    pytest.param(MOVEIT, "2021.1.4 (13.1.4)", N, id=f"{MV} dual 2021.1.4 fixed"),
    pytest.param(MOVEIT, "12.1.3", A, id=f"{MV} 2020.1 (12.1) unsupported, no fix"),
    pytest.param(MOVEIT, "2022.1.4 (14.1.4)", A, id=f"{MV} dual 2022.1.4 (14.1.4)"),
    pytest.param(MOVEIT, "2022.1.5 (14.1.5)", N, id=f"{MV} dual 2022.1.5 (14.1.5) fixed"),
]

# The same releases when a rule gives no version_aliases: the dual label is one release, so
# it is judged by the reading in the rule's own numbering (2023.x), never by 15.0.3 < 2023.
MOVEIT_2023 = product("MOVEit Transfer", ranges=(osv_range("0", fixed="2023.0.1"),))
MOVEIT_PLAIN = product("MOVEit Transfer", ranges=MOVEIT.ranges)
# A rule that spells both numberings, and a label whose two numbers are not one release:
# both readings are the rule's own and they disagree, so only a person can tell.
MOVEIT_BOTH = product(
    "MOVEit Transfer",
    ranges=(osv_range("2023.0.0", fixed="2023.0.1"), osv_range("15.0.0", fixed="15.0.1")),
)
MOVEIT_CASES += [
    pytest.param(MOVEIT_2023, "2023.0.3 (15.0.3)", N, id=f"{MV} no aliases: 2023.0.3 (15.0.3)"),
    pytest.param(MOVEIT_2023, "2023.0.0 (15.0.0)", A, id=f"{MV} no aliases: 2023.0.0 (15.0.0)"),
    pytest.param(MOVEIT_2023, "2023.0.1 (15.0.1)", N, id=f"{MV} no aliases: 2023.0.1 fixed"),
    pytest.param(MOVEIT_2023, "2022.1.4 (14.1.4)", A, id=f"{MV} no aliases: older line, agree"),
    pytest.param(MOVEIT_PLAIN, "2022.1.5 (14.1.5)", N, id=f"{MV} no aliases: 2022.1.5 not 14.1.5"),
    pytest.param(MOVEIT_PLAIN, "2022.1.4 (14.1.4)", A, id=f"{MV} no aliases: 2022.1.4 (14.1.4)"),
    pytest.param(MOVEIT_PLAIN, "2023.0.3 (15.0.3)", N, id=f"{MV} no aliases: 2023.0.3 all lines"),
    pytest.param(MOVEIT_BOTH, "2023.0.1 (15.0.0)", U, id=f"{MV} no aliases: readings disagree"),
    pytest.param(MOVEIT_BOTH, "2023.0.0 (15.0.0)", A, id=f"{MV} both numberings: 2023.0.0"),
    pytest.param(MOVEIT_BOTH, "2023.0.1 (15.0.1)", N, id=f"{MV} both numberings: 2023.0.1"),
    pytest.param(MOVEIT_2023, "2024.0.0 (16.0.0)", N, id=f"{MV} no aliases: newer 2024.0.0"),
    pytest.param(MOVEIT, "2024.0.1 (16.0.1)", N, id=f"{MV} newer than the aliases: 2024.0.1"),
]

# --- OpenSSL CVE-2023-0286 (secadv 2023-02-07): letter patch levels before 3.0 ------------
OPENSSL = product(
    "OpenSSL",
    scheme="openssl",
    ranges=(
        osv_range("3.0.0", fixed="3.0.8"),
        osv_range("1.1.1", fixed="1.1.1t"),
        osv_range("1.0.2", fixed="1.0.2zg"),
    ),
)
OS = "openssl-secadv-20230207 CVE-2023-0286"
OPENSSL_CASES = [
    pytest.param(OPENSSL, "1.1.1", A, id=f"{OS} 1.1.1"),
    pytest.param(OPENSSL, "1.1.1c", A, id=f"{OS} 1.1.1c (PEP 440 would read rc)"),
    pytest.param(OPENSSL, "1.1.1s", A, id=f"{OS} 1.1.1s"),
    pytest.param(OPENSSL, "1.1.1t", N, id=f"{OS} 1.1.1t fixed"),
    pytest.param(OPENSSL, "1.1.1w", N, id=f"{OS} 1.1.1w later"),
    pytest.param(OPENSSL, "OpenSSL 1.1.1k", A, id=f"{OS} 'OpenSSL 1.1.1k' banner"),
    pytest.param(OPENSSL, "1.0.2z", A, id=f"{OS} 1.0.2z"),
    pytest.param(OPENSSL, "1.0.2zf", A, id=f"{OS} 1.0.2zf"),
    pytest.param(OPENSSL, "1.0.2zg", N, id=f"{OS} 1.0.2zg fixed"),
    pytest.param(OPENSSL, "1.0.2k-fips", A, id=f"{OS} RHEL 1.0.2k-fips"),
    pytest.param(OPENSSL, "3.0.7", A, id=f"{OS} 3.0.7"),
    pytest.param(OPENSSL, "3.0.8", N, id=f"{OS} 3.0.8 fixed"),
]

# --- Oracle Java SE CPU July 2023 (CVE-2023-22049): newest affected build per line --------
JAVA = product(
    "Java SE",
    scheme="java",
    ranges=(
        osv_range("8", last_affected="8u371"),
        osv_range("11", last_affected="11.0.19"),
        osv_range("17", last_affected="17.0.7"),
        osv_range("20", last_affected="20.0.1"),
    ),
)
JV = "oracle-cpujul2023 CVE-2023-22049"
JAVA_CASES = [
    pytest.param(JAVA, "8u371", A, id=f"{JV} 8u371"),
    pytest.param(JAVA, "1.8.0_371", A, id=f"{JV} 1.8.0_371"),
    pytest.param(JAVA, "8u371-perf", A, id=f"{JV} 8u371-perf"),
    pytest.param(JAVA, "8.0.3710.11", A, id=f"{JV} Windows file version 8.0.3710.11"),
    pytest.param(JAVA, "Java 8 Update 371", U, id=f"{JV} product name left in: unknown"),
    pytest.param(JAVA, "8 Update 371", A, id=f"{JV} '8 Update 371'"),
    pytest.param(JAVA, "8u381", N, id=f"{JV} 8u381"),
    pytest.param(JAVA, "1.8.0_381-b09", N, id=f"{JV} 1.8.0_381-b09"),
    pytest.param(JAVA, "11.0.19", A, id=f"{JV} 11.0.19"),
    pytest.param(JAVA, "11.0.20", N, id=f"{JV} 11.0.20"),
    pytest.param(JAVA, "17.0.7", A, id=f"{JV} 17.0.7"),
    pytest.param(JAVA, "17.0.8+7", N, id=f"{JV} 17.0.8+7"),
    pytest.param(JAVA, "20.0.1", A, id=f"{JV} 20.0.1"),
    pytest.param(JAVA, "21", N, id=f"{JV} 21 (released later)"),
]

# --- Chrome CVE-2023-4863 (Stable Channel Update for Desktop, 2023-09-11) -----------------
CHROME = product("Chrome", ranges=(osv_range("0", fixed="116.0.5845.187"),))
CR = "chrome-stable-2023-09-11 CVE-2023-4863"
CHROME_CASES = [
    pytest.param(CHROME, "116.0.5845.179", A, id=f"{CR} 116.0.5845.179"),
    pytest.param(CHROME, "116.0.5845.96", A, id=f"{CR} .96 < .187 as integers"),
    pytest.param(CHROME, "116.0.5845.187", N, id=f"{CR} 116.0.5845.187 fixed"),
    pytest.param(CHROME, "116.0.5845.188", N, id=f"{CR} Windows 116.0.5845.188"),
    pytest.param(CHROME, "117.0.5938.62", N, id=f"{CR} 117"),
    pytest.param(CHROME, "99.0.4844.84", A, id=f"{CR} 99 < 116 as integers"),
]

# --- Windows CVE-2023-36033 (November 2023 updates): one fixed build per build family -----
WINDOWS = product(
    "Windows",
    platform="windows",
    ranges=(
        osv_range("10.0.19045.0", fixed="10.0.19045.3693"),  # Windows 10 22H2, KB5032189
        osv_range("10.0.22621.0", fixed="10.0.22621.2715"),  # Windows 11 22H2, KB5032190
        osv_range("10.0.22631.0", fixed="10.0.22631.2715"),  # Windows 11 23H2, KB5032190
    ),
)
WN = "msrc-CVE-2023-36033"
WINDOWS_CASES = [
    pytest.param(WINDOWS, "10.0.19045.3570", A, id=f"{WN} 19045.3570"),
    pytest.param(WINDOWS, "10.0.19045.999", A, id=f"{WN} 19045.999 (< 3693 as integers)"),
    pytest.param(WINDOWS, "10.0.19045.3693", N, id=f"{WN} 19045.3693 fixed"),
    pytest.param(WINDOWS, "10.0.19045.4046", N, id=f"{WN} 19045.4046 later"),
    pytest.param(WINDOWS, "10.0.22621.2428", A, id=f"{WN} 22621.2428"),
    pytest.param(WINDOWS, "10.0.22621.2715", N, id=f"{WN} 22621.2715 fixed"),
    pytest.param(WINDOWS, "10.0.22631.2506", A, id=f"{WN} 22631.2506"),
    pytest.param(WINDOWS, "10.0.22631.2715", N, id=f"{WN} 22631.2715 fixed"),
]

# --- Debian: openssh DSA-5724-1 (CVE-2024-6387) and DSA-5586-1 (bookworm), xz CVE-2024-3094
DEB_SSH = product("openssh", scheme="deb", ranges=(osv_range("0", fixed="1:9.2p1-2+deb12u3"),))
DEB_SSH_TERRAPIN = product(
    "openssh", scheme="deb", ranges=(osv_range("0", fixed="1:9.2p1-2+deb12u2"),)
)
DEB_XZ = product(
    "xz-utils", scheme="deb", ranges=(osv_range("5.5.1alpha-0.1", fixed="5.6.1+really5.4.5-1"),)
)
DEBIAN_CASES = [
    pytest.param(DEB_SSH, "1:9.2p1-2+deb12u2", A, id="DSA-5724-1 1:9.2p1-2+deb12u2"),
    pytest.param(DEB_SSH, "1:9.2p1-2", A, id="DSA-5724-1 1:9.2p1-2"),
    pytest.param(DEB_SSH, "1:9.2p1-2+deb12u3", N, id="DSA-5724-1 1:9.2p1-2+deb12u3 fixed"),
    pytest.param(DEB_SSH, "1:9.2p1-2+deb12u5", N, id="DSA-5724-1 deb12u5 later"),
    pytest.param(DEB_SSH, "9.2p1-2+deb12u3", A, id="DSA-5724-1 dropped epoch sorts first"),
    pytest.param(DEB_SSH, "1:9.2p1-2~bpo1", A, id="DSA-5724-1 tilde sorts first"),
    pytest.param(DEB_SSH_TERRAPIN, "1:9.2p1-2+deb12u1", A, id="DSA-5586-1 deb12u1"),
    pytest.param(DEB_SSH_TERRAPIN, "1:9.2p1-2+deb12u2", N, id="DSA-5586-1 deb12u2 fixed"),
    pytest.param(DEB_XZ, "5.6.0-0.2", A, id="debian-tracker CVE-2024-3094 5.6.0-0.2"),
    pytest.param(DEB_XZ, "5.6.1-1", A, id="debian-tracker CVE-2024-3094 5.6.1-1"),
    pytest.param(DEB_XZ, "5.6.1+really5.4.5-1", N, id="debian-tracker CVE-2024-3094 +really"),
    pytest.param(DEB_XZ, "5.4.5-1", N, id="debian-tracker CVE-2024-3094 5.4.5-1 older"),
]

# --- RHEL 9 openssh, RHSA-2024:4312 (CVE-2024-6387) ----------------------------------------
RPM_SSH = product("openssh", scheme="rpm", ranges=(osv_range("0", fixed="8.7p1-38.el9_4.1"),))
RH = "RHSA-2024:4312 CVE-2024-6387"
RPM_CASES = [
    pytest.param(RPM_SSH, "8.7p1-38.el9", A, id=f"{RH} 38.el9 < 38.el9_4.1"),
    pytest.param(RPM_SSH, "8.7p1-34.el9_3.3", A, id=f"{RH} 34.el9_3.3"),
    pytest.param(RPM_SSH, "8.7p1-38.el9_4.1", N, id=f"{RH} 38.el9_4.1 fixed"),
    pytest.param(RPM_SSH, "0:8.7p1-38.el9_4.1", N, id=f"{RH} explicit epoch 0"),
    pytest.param(RPM_SSH, "8.7p1-38.el9_4.4", N, id=f"{RH} 38.el9_4.4 later"),
    pytest.param(RPM_SSH, "openssh-8.7p1-38.el9.x86_64", U, id=f"{RH} NEVRA not read: unknown"),
]

# --- log4j CVE-2021-44228: 2.0-beta9 up to 2.15.0, minus the 2.12.2/2.12.3/2.3.1 releases
LOG4J = product(
    "log4j-core",
    scheme="maven",
    ranges=(osv_range("2.0-beta9", fixed="2.15.0"),),
    excluded=("2.12.2", "2.12.3", "2.3.1"),
)
LJ = "apache-log4j-security CVE-2021-44228"
LOG4J_CASES = [
    pytest.param(LOG4J, "2.0-beta9", A, id=f"{LJ} 2.0-beta9 first affected"),
    pytest.param(LOG4J, "2.0-beta8", N, id=f"{LJ} 2.0-beta8"),
    pytest.param(LOG4J, "2.0-alpha2", N, id=f"{LJ} 2.0-alpha2"),
    pytest.param(LOG4J, "2.0-rc1", A, id=f"{LJ} 2.0-rc1"),
    pytest.param(LOG4J, "2.0", A, id=f"{LJ} 2.0"),
    pytest.param(LOG4J, "2.12.1", A, id=f"{LJ} 2.12.1"),
    pytest.param(LOG4J, "2.12.2", N, id=f"{LJ} 2.12.2 excluded security release"),
    pytest.param(LOG4J, "2.3.1", N, id=f"{LJ} 2.3.1 excluded security release"),
    pytest.param(LOG4J, "2.14.1", A, id=f"{LJ} 2.14.1"),
    pytest.param(LOG4J, "2.15.0", N, id=f"{LJ} 2.15.0 fixed"),
    pytest.param(LOG4J, "2.17.1", N, id=f"{LJ} 2.17.1"),
    pytest.param(LOG4J, "1.2.17", N, id=f"{LJ} log4j 1.x"),
]

# --- Cisco IOS XE CVE-2023-20198 (cisco-sa-iosxe-webui-privesc-j22SaA4z) ------------------
IOSXE = product(
    "IOS XE",
    scheme="cisco-ios",
    ranges=(
        osv_range("17.9.1", fixed="17.9.4a"),
        osv_range("17.6.1", fixed="17.6.6a"),
        osv_range("17.3.1", fixed="17.3.8a"),
        osv_range("16.12.1", fixed="16.12.10a"),
    ),
)
IOS_CLASSIC = product(
    "IOS", scheme="cisco-ios", ranges=(osv_range("15.2(4)M1", fixed="15.2(4)M11"),)
)
CS = "cisco-sa-iosxe-webui-privesc-j22SaA4z"
CISCO_CASES = [
    pytest.param(IOSXE, "17.9.4", A, id=f"{CS} 17.9.4"),
    pytest.param(IOSXE, "17.9.4a", N, id=f"{CS} 17.9.4a fixed (rebuild letter sorts after)"),
    pytest.param(IOSXE, "17.09.04a", N, id=f"{CS} zero-padded 17.09.04a"),
    pytest.param(IOSXE, "17.9.3a", A, id=f"{CS} 17.9.3a"),
    pytest.param(IOSXE, "17.6.5", A, id=f"{CS} 17.6.5"),
    pytest.param(IOSXE, "17.6.6a", N, id=f"{CS} 17.6.6a fixed"),
    pytest.param(IOSXE, "17.3.8a", N, id=f"{CS} 17.3.8a fixed"),
    pytest.param(IOSXE, "16.12.10a", N, id=f"{CS} 16.12.10a fixed"),
    pytest.param(IOSXE, "16.12.9", A, id=f"{CS} 16.12.9"),
    pytest.param(IOS_CLASSIC, "15.2(4)M7", A, id="cisco-ios same train M: 15.2(4)M7"),
    pytest.param(IOS_CLASSIC, "15.2(4)M11", N, id="cisco-ios same train M: 15.2(4)M11"),
    pytest.param(IOS_CLASSIC, "15.2(7)E8", U, id="cisco-ios other train E: not comparable"),
]

# --- nginx security advisories: even-minor "x+" covers only its stable line ---------------
NGINX_MP4 = product(
    "nginx",
    scheme="nginx",
    ranges=nginx_ranges("1.1.3-1.23.1, 1.0.7-1.0.15", "1.23.2+, 1.22.1+"),
)
NGINX_RESOLVER = product(
    "nginx", scheme="nginx", ranges=nginx_ranges("0.6.18-1.20.0", "1.21.0+, 1.20.1+")
)
NG = "nginx-security-advisories"
NGINX_CASES = [
    pytest.param(NGINX_MP4, "1.22.0", A, id=f"{NG} CVE-2022-41741 1.22.0"),
    pytest.param(NGINX_MP4, "1.22.1", N, id=f"{NG} CVE-2022-41741 1.22.1 fixed"),
    pytest.param(NGINX_MP4, "1.23.0", A, id=f"{NG} CVE-2022-41741 1.23.0 mainline"),
    pytest.param(NGINX_MP4, "1.23.1", A, id=f"{NG} CVE-2022-41741 1.23.1 mainline"),
    pytest.param(NGINX_MP4, "1.23.2", N, id=f"{NG} CVE-2022-41741 1.23.2 fixed"),
    pytest.param(NGINX_MP4, "1.21.6", A, id=f"{NG} CVE-2022-41741 1.21.6"),
    pytest.param(NGINX_MP4, "1.0.15", A, id=f"{NG} CVE-2022-41741 1.0.15"),
    pytest.param(NGINX_MP4, "1.1.2", N, id=f"{NG} CVE-2022-41741 1.1.2"),
    pytest.param(NGINX_MP4, "nginx/1.23.1", A, id=f"{NG} CVE-2022-41741 Server header"),
    pytest.param(NGINX_RESOLVER, "1.20.0", A, id=f"{NG} CVE-2021-23017 1.20.0"),
    pytest.param(NGINX_RESOLVER, "1.20.1", N, id=f"{NG} CVE-2021-23017 1.20.1 fixed"),
    pytest.param(NGINX_RESOLVER, "1.21.0", N, id=f"{NG} CVE-2021-23017 1.21.0 fixed"),
    pytest.param(NGINX_RESOLVER, "0.6.17", N, id=f"{NG} CVE-2021-23017 0.6.17"),
]


def _from_vers(name: str, text: str) -> AffectedProduct:
    spec = parse_vers(text)
    return product(
        name,
        ranges=spec.ranges,
        versions=spec.versions,
        excluded=spec.excluded,
        all_versions=spec.all_versions,
        scheme=spec.scheme,
    )


HIMED = _from_vers("HiMed Cockpit", "vers:all/>=V11.5.1|<V11.6.2")
TIA = _from_vers("TIA Portal", "vers:all/<V17 Update 6")
SIEMENS_CASES = [
    pytest.param(HIMED, "V11.5.1", A, id="ICSA-24-284-08 HiMed V11.5.1"),
    pytest.param(HIMED, "V11.6.1", A, id="ICSA-24-284-08 HiMed V11.6.1"),
    pytest.param(HIMED, "V11.6.2", N, id="ICSA-24-284-08 HiMed V11.6.2 fixed"),
    pytest.param(HIMED, "11.6.2", N, id="ICSA-24-284-08 HiMed 11.6.2 without V"),
    pytest.param(HIMED, "V11.5.0", N, id="ICSA-24-284-08 HiMed V11.5.0 before"),
    pytest.param(TIA, "V17 Update 5", A, id="ICSA-23-103-04 TIA V17 Update 5"),
    pytest.param(TIA, "V17", A, id="ICSA-23-103-04 TIA V17"),
    pytest.param(TIA, "V16", A, id="ICSA-23-103-04 TIA V16"),
    pytest.param(TIA, "V17 Update 6", N, id="ICSA-23-103-04 TIA V17 Update 6 fixed"),
    pytest.param(TIA, "V17 Update 7", N, id="ICSA-23-103-04 TIA V17 Update 7"),
    pytest.param(TIA, "V18", N, id="ICSA-23-103-04 TIA V18"),
]

# --- Update labels in the default scheme: NVD CPE update fields against inventory spellings.
# A label orders against the same label on its base, never against a finer build number in
# another numbering of the product: that is "check manually", not "not affected".
JAVA_CPE = product("Java SE", versions=("1.8.0 update371", "1.8.0 update372"))
JC = "oracle-cpujul2023 CVE-2023-22049 NVD cpe jre:1.8.0:update371"
# VMSA-2022-0004 (CVE-2021-22040): ESXi 7.0 fixed in 7.0 U3c (ESXi70U3c-19193900).
ESXI = product("ESXi", ranges=(osv_range("7.0", fixed="7.0 update_3c"),))
VM = "VMSA-2022-0004 CVE-2021-22040"
# CVE-2023-36439 (November 2023 SU): NVD lists exchange_server:2019:cumulative_update_12/13.
EXCHANGE_CPE = product(
    "Exchange Server", versions=("2019 cumulative_update_12", "2019 cumulative_update_13")
)
EX = "msrc-CVE-2023-36439 NVD cpe exchange_server:2019"
LABEL_CASES = [
    pytest.param(JAVA_CPE, "1.8.0_371", A, id=f"{JC} 1.8.0_371 is update371"),
    pytest.param(JAVA_CPE, "1.8.0_381", N, id=f"{JC} 1.8.0_381 not listed"),
    pytest.param(JAVA_CPE, "8u371", U, id=f"{JC} 8u371 another notation"),
    pytest.param(JAVA_CPE, "8 Update 371", U, id=f"{JC} '8 Update 371' another notation"),
    pytest.param(JAVA_CPE, "8.0.3710.11", U, id=f"{JC} Windows file version"),
    pytest.param(ESXI, "7.0 U3c", N, id=f"{VM} 7.0 U3c fixed"),
    pytest.param(ESXI, "7.0U3c", N, id=f"{VM} 7.0U3c fixed"),
    pytest.param(ESXI, "7.0 Update 3c", N, id=f"{VM} '7.0 Update 3c' fixed"),
    pytest.param(ESXI, "7.0 U3b", A, id=f"{VM} 7.0 U3b"),
    pytest.param(ESXI, "7.0 Update 2a", A, id=f"{VM} '7.0 Update 2a'"),
    pytest.param(ESXI, "7.0 U3d", N, id=f"{VM} 7.0 U3d later"),
    pytest.param(ESXI, "7.0", A, id=f"{VM} 7.0 GA"),
    pytest.param(ESXI, "6.7", N, id=f"{VM} 6.7 other line"),
    pytest.param(ESXI, "7.0.3", U, id=f"{VM} 7.0.3 another notation"),
    pytest.param(EXCHANGE_CPE, "2019 CU13", A, id=f"{EX} 2019 CU13"),
    pytest.param(EXCHANGE_CPE, "2019 Cumulative Update 12", A, id=f"{EX} 2019 Cumulative Update 12"),
    pytest.param(EXCHANGE_CPE, "2019 CU14", N, id=f"{EX} 2019 CU14 not listed"),
    pytest.param(EXCHANGE_CPE, "15.2.1258.12", U, id=f"{EX} build number, another numbering"),
]

# --- Citrix Workspace app CVE-2024-6286, CTX678036: release numbers against dotted versions --
# Citrix and NVD (cpe:2.3:a:citrix:workspace:*:*:*:*:current:windows:*:*, versionEndExcluding
# 2403.1) name releases YYMM.n; Windows reports YY.M.n.build (2403.1 = 24.3.1.97, 2402 =
# 24.2.0.172, 2311.1 = 23.11.1.41, 2203.1 LTSR CU6 = 22.3.6000.x, CU6 Hotfix 2 = 22.3.6002.x).
# Each LTSR is a line of its own: in the current-release scheme an LTSR update (22.3.6000.x,
# 24.2.1001.x) orders only against LTSR bounds of its release; statements about the LTSR
# product are read in "citrix-workspace-ltsr", where every version is on its month's LTSR line.
WS_SCHEME = "citrix-workspace"
WS_LTSR_SCHEME = "citrix-workspace-ltsr"
WS_CURRENT = product(
    "Citrix Workspace app for Windows", scheme=WS_SCHEME, ranges=(nvd_range(end_excluding="2403.1"),)
)
WS_LTSR = product(
    "Citrix Workspace app for Windows 2203 LTSR",
    scheme=WS_LTSR_SCHEME,
    ranges=(osv_range("2203", fixed="2203.1 LTSR CU6 Hotfix 2"),),
)
# CTX678036: "Citrix Workspace app for Windows 2402 LTSR before 2402 LTSR CU1".
WS_LTSR_2402 = product(
    "Citrix Workspace app for Windows 2402 LTSR",
    scheme=WS_LTSR_SCHEME,
    ranges=(osv_range("2402", fixed="2402 LTSR CU1"),),
)
# The same advisory in the dotted numbering, as tools that read Windows versions write it:
# "before 2402 LTSR" is >=22.04.0 <24.2.0.172.
WS_DOTTED = product(
    "Citrix Workspace app for Windows", scheme=WS_SCHEME, ranges=(osv_range("22.4", fixed="24.2.0.172"),)
)
WS_THROUGH = product(
    "Citrix Workspace app", scheme=WS_SCHEME, ranges=(osv_range("2402", last_affected="2403"),)
)
WS = "CTX678036 CVE-2024-6286"
WORKSPACE_CASES = [
    pytest.param(WS_CURRENT, "24.3.1.97", N, id=f"{WS} NVD current 24.3.1.97 is 2403.1, the fix"),
    pytest.param(WS_CURRENT, "24.5.10.20", N, id=f"{WS} NVD current 2405.10 later"),
    pytest.param(WS_CURRENT, "24.3.0.93", A, id=f"{WS} NVD current 24.3.0.93 is 2403"),
    pytest.param(WS_CURRENT, "24.2.0.172", A, id=f"{WS} NVD current 24.2.0.172 is 2402"),
    pytest.param(WS_CURRENT, "23.11.1.41", A, id=f"{WS} NVD current 23.11.1.41 is 2311.1"),
    pytest.param(WS_CURRENT, "2403.1", N, id=f"{WS} NVD current release number 2403.1"),
    pytest.param(WS_CURRENT, "2311.1", A, id=f"{WS} NVD current release number 2311.1"),
    pytest.param(WS_CURRENT, "v24.03.01.97", N, id=f"{WS} NVD current zero-padded 24.03.01.97"),
    pytest.param(WS_LTSR, "22.3.6002.6116", N, id=f"{WS} LTSR CU6 Hotfix 2 is the fix"),
    pytest.param(WS_LTSR, "22.3.6001.5", A, id=f"{WS} LTSR CU6 Hotfix 1"),
    pytest.param(WS_LTSR, "22.3.6000.8", A, id=f"{WS} LTSR CU6"),
    pytest.param(WS_LTSR, "22.3.1.41", A, id=f"{WS} LTSR 2203.1 before its CUs"),
    pytest.param(WS_LTSR, "22.3.7000.2", N, id=f"{WS} LTSR CU7 later"),
    pytest.param(WS_LTSR, "2203.1 LTSR CU6", A, id=f"{WS} LTSR named 2203.1 LTSR CU6"),
    pytest.param(WS_LTSR, "2203.1 LTSR CU6 Hotfix 2", N, id=f"{WS} LTSR named CU6 Hotfix 2"),
    pytest.param(WS_LTSR, "2203.1 LTSR CU6 (22.3.6000.8)", A, id=f"{WS} LTSR name and build"),
    # Was N ("before the LTSR line"): 2112 is no build of the 2203 LTSR, whose statement says
    # nothing of it.
    pytest.param(WS_LTSR, "21.12.0.18", U, id=f"{WS} LTSR 2112 is on another line"),
    pytest.param(WS_LTSR, "24.2.1001.2", U, id=f"{WS} LTSR 2402 LTSR CU1 is another LTSR"),
    pytest.param(WS_LTSR_2402, "24.2.0.172", A, id=f"{WS} 2402 LTSR base release 24.2.0.172"),
    pytest.param(WS_LTSR_2402, "2402 LTSR", A, id=f"{WS} 2402 LTSR named"),
    pytest.param(WS_LTSR_2402, "24.2.1000.10", N, id=f"{WS} 2402 LTSR CU1 is the fix"),
    pytest.param(WS_LTSR_2402, "24.2.1001.2", N, id=f"{WS} 2402 LTSR CU1 Hotfix 1 later"),
    pytest.param(WS_LTSR_2402, "22.3.6000.8", U, id=f"{WS} 2402 LTSR statement, 2203 LTSR CU6"),
    pytest.param(WS_CURRENT, "24.2.1001.2", U, id=f"{WS} NVD current, 2402 LTSR CU1 is another line"),
    pytest.param(WS_CURRENT, "22.3.6000.8", U, id=f"{WS} NVD current, 2203 LTSR CU6 is another line"),
    pytest.param(WS_DOTTED, "2402", N, id=f"{WS} dotted bound, release number 2402 is the fix"),
    pytest.param(WS_DOTTED, "2311.1", A, id=f"{WS} dotted bound, release number 2311.1"),
    pytest.param(WS_DOTTED, "24.2.0.172", N, id=f"{WS} dotted bound, 24.2.0.172"),
    # Was N (below 22.04): an LTSR update against current-release bounds is another line.
    pytest.param(WS_DOTTED, "2203.1 LTSR CU6", U, id=f"{WS} dotted bound, 2203 LTSR CU6 is another line"),
    pytest.param(WS_THROUGH, "24.3.1.97", N, id=f"{WS} 2402 through 2403: 2403.1 is later"),
    pytest.param(WS_THROUGH, "24.3.0.93", A, id=f"{WS} 2402 through 2403: 24.3.0.93"),
    pytest.param(WS_THROUGH, "24.2.0.172", A, id=f"{WS} 2402 through 2403: 24.2.0.172"),
    # Was A: the defect. 2402 LTSR CU1 is not "2402 through 2403" of the current release.
    pytest.param(WS_THROUGH, "24.2.1000.10", U, id=f"{WS} 2402 through 2403: 2402 LTSR CU1 is another line"),
    pytest.param(WS_THROUGH, "23.11.1.41", N, id=f"{WS} 2402 through 2403: 2311.1 earlier"),
    pytest.param(WS_CURRENT, "4.9.9002", U, id=f"{WS} Receiver 4.9 CU9 is not a Workspace version"),
    pytest.param(WS_CURRENT, "latest", U, id=f"{WS} unreadable installed version"),
    pytest.param(WS_CURRENT, "", U, id=f"{WS} no installed version"),
]

ADVISORY_CASES = (
    CX_CASES
    + FORTI_CASES
    + CITRIX_CASES
    + IVANTI_CASES
    + MOVEIT_CASES
    + OPENSSL_CASES
    + JAVA_CASES
    + CHROME_CASES
    + WINDOWS_CASES
    + DEBIAN_CASES
    + RPM_CASES
    + LOG4J_CASES
    + CISCO_CASES
    + NGINX_CASES
    + SIEMENS_CASES
    + LABEL_CASES
    + WORKSPACE_CASES
)


@pytest.mark.parametrize(("statement", "version", "expected"), ADVISORY_CASES)
def test_vendor_advisories(statement: AffectedProduct, version: str, expected: Status) -> None:
    verdict = compile_statement(statement).status(version)
    assert verdict.status is expected, verdict.reason


# --- compare(): the shapes named in the brief and VERSIONS.md -----------------------------
@pytest.mark.parametrize(
    ("a", "b", "scheme", "expected"),
    [
        pytest.param("18.12.416", "18.12.416.0", None, 0, id="3cx trailing zero equal"),
        pytest.param("10.0.19045.999", "10.0.19045.3693", None, -1, id="windows build integers"),
        pytest.param("120.0.6099.109", "120.0.6099.71", None, 1, id="chrome integers"),
        pytest.param("v7.2.4,build1396 (GA.F)", "7.2.4", None, 0, id="fortinet banner"),
        pytest.param(" V7.2.4 ", "7.2.4", None, 0, id="leading V and whitespace"),
        pytest.param("13.1-4.44", "13.1-49.13", "citrix", -1, id="citrix build integers"),
        pytest.param("NS13.1: Build 49.13.nc", "13.1-49.13", "citrix", 0, id="citrix banner"),
        pytest.param("NS13.1: Build 49.13.nc", "13.1-49.13", None, 0, id="citrix banner generic"),
        pytest.param("13.1 Build 37.150", "13.1-37.150", None, 0, id="CTX579459 'Build' generic"),
        pytest.param("13.1 Build 37.150", "13.1-37.164", None, -1, id="CTX579459 FIPS 37.150 < 37.164"),
        pytest.param("13.1 build 37.150", "13.1-37.150", "citrix", 0, id="CTX579459 'build' citrix"),
        pytest.param("13.1 Build 51.15", "13.1-49.13", None, 1, id="CTX584986 51.15 > 49.13"),
        pytest.param("13.1 Build 51.15", "13.1-51.15", "citrix", 0, id="CTX584986 'Build' citrix"),
        pytest.param("7.0 build 22348816", "7.0", None, 0, id="VMware build stamp is not a Citrix build"),
        pytest.param("8u381", "1.8.0_381", None, None, id="java notations in generic: cannot tell"),
        pytest.param("8u381", "8 Update 381", None, 0, id="java u = Update"),
        pytest.param("1.8.0_381", "1.8.0 update381", None, 0, id="java _381 = NVD update381"),
        pytest.param("1.8.0_381-b09", "1.8.0_371", None, 1, id="java dotted updates order"),
        pytest.param("8u381", "1.8.0 update381", None, None, id="java 8u vs NVD 1.8.0: cannot tell"),
        pytest.param("8.0.3810.9", "1.8.0_381", None, None, id="java file version vs update"),
        pytest.param("8u381", "8u391", None, -1, id="java updates order"),
        pytest.param("7.0 U3c", "7.0 update_3c", None, 0, id="VMSA-2022-0004 U3c = update_3c"),
        pytest.param("7.0U3c", "7.0 Update 3c", None, 0, id="VMSA-2022-0004 U3c = Update 3c"),
        pytest.param("7.0 U3c", "7.0 U3d", None, -1, id="vmware U3c before U3d"),
        pytest.param("7.0 U3c", "7.1", None, -1, id="vmware label before next release"),
        pytest.param("7.0 U3c", "7.0.3c", None, None, id="vmware label vs dotted: cannot tell"),
        pytest.param("2019 CU13", "2019 cumulative_update_13", None, 0, id="exchange CU spellings"),
        pytest.param("2019 CU13", "2019 CU14", None, -1, id="exchange CU order"),
        pytest.param(
            "2019 cumulative_update_13", "15.2.1258.12", None, None, id="exchange CU vs build: cannot tell"
        ),
        pytest.param("2019.4 HF 5", "2019.4 hotfix 6", None, -1, id="solarwinds HF = hotfix"),
        pytest.param("17 Update 6", "17 SP1", None, None, id="different labels: cannot tell"),
        pytest.param("V16 SP1 Update 2", "V16 SP1", None, 1, id="siemens update of an SP"),
        pytest.param("22.7R2", "22.7R2.1", "ivanti", -1, id="ivanti R2 < R2.1"),
        pytest.param("22.7r2.1", "22.7R2.1", "ivanti", 0, id="ivanti lower-case r"),
        pytest.param("22.7R2", "22.7R2.1", None, -1, id="ivanti shape in generic"),
        pytest.param("15.2(4)M7", "15.2(4)M10", "cisco-ios", -1, id="ios same train"),
        pytest.param("15.2(4)M7", "15.2(7)E8", "cisco-ios", None, id="ios trains not ordered"),
        pytest.param("15.2(4)M7", "15.2(4)M10", None, None, id="ios shape refused by generic"),
        pytest.param("17.9.4a", "17.9.4", "cisco-ios", 1, id="ios xe rebuild letter after"),
        pytest.param("17.9.4a", "17.9.4", None, 1, id="ios xe letter after in generic"),
        pytest.param("17.9.4a", "17.9.4", "pep440", -1, id="pep440 reads 17.9.4a as alpha"),
        pytest.param("8u381", "1.8.0_381", "java", 0, id="java 8u381 == 1.8.0_381"),
        pytest.param("8.0.3810.9", "8u381", "java", 0, id="java windows file version"),
        pytest.param("11.0.20.1", "11.0.21", "java", -1, id="java 11.0.20.1 < 11.0.21"),
        pytest.param("11.0.20", "11.0.20.1", "java", -1, id="java 11.0.20 < 11.0.20.1"),
        pytest.param("1.1.1w", "1.1.1t", "openssl", 1, id="openssl letters"),
        pytest.param("1.0.2zg", "1.0.2z", "openssl", 1, id="openssl z < zg"),
        pytest.param("1.0.2za", "1.0.2zg", "openssl", -1, id="openssl za < zg"),
        pytest.param("1.0.2-beta1", "1.0.2", "openssl", -1, id="openssl beta before"),
        pytest.param("1.1.1w", "1.1.1", None, 1, id="openssl letters in generic"),
        pytest.param("2.0-beta9", "2.0", "maven", -1, id="maven beta before"),
        pytest.param("2.0-beta9", "2.0-rc1", "maven", -1, id="maven beta < rc"),
        pytest.param("5.2.20.RELEASE", "5.2.20", "maven", 0, id="maven RELEASE equal"),
        pytest.param("5.3.0.Final", "5.3", "maven", 0, id="maven Final equal"),
        pytest.param("1.0.GA", "1.0", "maven", 0, id="maven GA equal"),
        pytest.param("1.0-SNAPSHOT", "1.0", "maven", -1, id="maven snapshot before"),
        pytest.param("1.0-sp1", "1.0", "maven", 1, id="maven sp after"),
        pytest.param("1:9.2p1-2+deb12u3", "9.3p1-1", "deb", 1, id="deb epoch wins"),
        pytest.param("1.0~rc1", "1.0", "deb", -1, id="deb tilde before"),
        pytest.param("1.0~~", "1.0~", "deb", -1, id="deb double tilde"),
        pytest.param("5.6.1+really5.4.5-1", "5.6.1-1", "deb", 1, id="deb +really sorts after"),
        pytest.param("1.0-1", "1.0-1", "deb", 0, id="deb equal"),
        pytest.param("8.7p1-38.el9", "8.7p1-38.el9_4.1", "rpm", -1, id="rpm el9 < el9_4.1"),
        pytest.param("1.0~rc1", "1.0", "rpm", -1, id="rpm tilde before"),
        pytest.param("1.0^git1", "1.0", "rpm", 1, id="rpm caret after"),
        pytest.param("1.0^git1", "1.0.1", "rpm", -1, id="rpm caret before next"),
        pytest.param("1.0a", "1.0.1", "rpm", -1, id="rpm numeric beats alpha"),
        pytest.param("2023.0.1 (15.0.1)", "2023.0.1", None, 0, id="moveit dual label"),
        pytest.param("2023.03.1", "2023.3.1", None, 0, id="date version leading zero"),
        pytest.param("2023.03.1", "2023.10.0", None, -1, id="date versions as integers"),
        pytest.param("7.0 U1c", "7.0 U1", "vmware", 1, id="vmware U1c after U1"),
        pytest.param("7.0 U1c", "7.0 Update 2", "vmware", -1, id="vmware U1c before U2"),
        pytest.param("ESXi 7.0 Update 3", "7.0.3", "vmware", 0, id="vmware update is 7.0.3"),
        pytest.param("17 Update 6", "17", None, 1, id="generic 17 Update 6 after 17"),
        pytest.param("17 Update 6", "17 Update 7", None, -1, id="generic update order"),
        pytest.param("17 Update 6", "18", None, -1, id="generic update before 18"),
        pytest.param("1.0-rc1", "1.0", None, -1, id="generic rc before"),
        pytest.param("1.0-preview2", "1.0-rc1", None, -1, id="generic preview before rc"),
        pytest.param("1.0-alpha", "1.0-beta", None, -1, id="generic alpha before beta"),
        pytest.param("1.1.1c", "1.1.1", "pep440", -1, id="pep440 1.1.1c is rc"),
        pytest.param("1.0", "1.0.0", "pep440", 0, id="pep440 trailing zeros"),
        pytest.param("1.2", "1.2.0", "semver", 0, id="semver coerced"),
        pytest.param("1.0.0-alpha.1", "1.0.0-alpha.beta", "semver", -1, id="semver numeric id"),
        pytest.param("1.0.0+build5", "1.0.0+build9", "semver", 0, id="semver ignores build"),
        pytest.param("1.0.0-rc.1", "1.0.0", "semver", -1, id="semver pre before"),
        pytest.param("1.22.1", "1.9.0", "nginx", 1, id="nginx integers"),
        pytest.param("OpenSSH_9.2p1", "9.2p1", None, 0, id="ssh banner product prefix"),
        pytest.param("nginx/1.25.3", "1.25.3", "nginx", 0, id="server header prefix"),
        pytest.param("16.5.1 (c)", "16.5.1", None, 1, id="apple rapid security response"),
        pytest.param("24.3.1.97", "2403.1", None, -1, id="CTX678036 generic reads 24 < 2403"),
        pytest.param("24.3.1.97", "2403.1", "citrix-workspace", 0, id="CTX678036 24.3.1.97 is 2403.1"),
        pytest.param("24.2.0.172", "2403.1", "citrix-workspace", -1, id="CTX678036 2402 before 2403.1"),
        pytest.param("23.11.1.41", "2402", "citrix-workspace", -1, id="CTX678036 2311.1 before 2402"),
        pytest.param("24.3.1.97", "2403", "citrix-workspace", 1, id="CTX678036 2403.1 after 2403"),
        pytest.param("24.02.0.172", "24.2", "citrix-workspace", 0, id="workspace zero-padded month"),
        pytest.param("24.3.1.97", "24.3.1.101", "citrix-workspace", 0, id="workspace build not named"),
        pytest.param(
            "22.3.6002.6116", "2203.1 LTSR CU6 Hotfix 2", "citrix-workspace", 0,
            id="CTX678036 LTSR CU6 Hotfix 2 is 22.3.6002",
        ),
        pytest.param(
            "2203.1 LTSR Cumulative Update 6", "22.3.6000.8", "citrix-workspace", 0,
            id="CTX678036 LTSR CU6 is 22.3.6000",
        ),
        # An LTSR update and a current release are on different lines: not ordered (was 1).
        pytest.param("2203.1 LTSR CU1", "2203.1", "citrix-workspace", None, id="workspace CU1 vs CR 2203.1"),
        pytest.param("2203.1 LTSR CU1", "2203.1", "citrix-workspace-ltsr", 1, id="workspace CU1 after 2203.1"),
        pytest.param("24.2.1001.2", "2403.1", "citrix-workspace", None, id="CTX678036 2402 LTSR CU1 vs 2403.1"),
        pytest.param("24.2.1001.2", "2203.1 LTSR CU6", "citrix-workspace", None, id="workspace two LTSRs"),
        pytest.param("2402 LTSR", "24.2.1000.10", "citrix-workspace", -1, id="workspace 2402 LTSR before CU1"),
        pytest.param("2402 LTSR", "24.2.0.172", "citrix-workspace", None, id="workspace LTSR bound vs CR build"),
        pytest.param("2402 LTSR", "24.2.0.172", "citrix-workspace-ltsr", 0, id="workspace LTSR base release"),
        pytest.param("24.3.1.97", "24.2.1001.2", "citrix-workspace-ltsr", None, id="workspace ltsr other month"),
        pytest.param("2402 LTSR CU1 HF1", "24.2.1001.2", "citrix-workspace", 0, id="workspace HF spelling"),
        pytest.param("latest", "7.2.5", None, None, id="unparseable"),
        pytest.param("", "7.2.5", None, None, id="empty"),
    ],
)
def test_compare(a: str, b: str, scheme: str | None, expected: int | None) -> None:
    assert compare(a, b, scheme) == expected
    assert compare(b, a, scheme) == (None if expected is None else -expected)


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("1:9.2p1-2", None),  # an epoch in the generic scheme would sort wrongly
        ("n/a", None),
        ("Update 7", None),
        (">= 8.0.0", None),
        ("1.1.1w", "pep440"),
        ("22.4R2.1", "pep440"),
        ("18.12.416.0", "semver"),
        ("1.2.3a", "nginx"),
        ("abc", "deb"),
        ("13.1-49.13", "ivanti"),
        ("7.0 P08", "vmware"),
        ("Update_7", None),  # a label, not product "Update" version 7
        ("CU6 Hotfix 2", "citrix-workspace"),  # no release to place the update in
        ("2402 Hotfix 1", "citrix-workspace"),  # a hotfix of no CU: its number is not known
        ("2203 LTSR CU0", "citrix-workspace"),
        ("2413", "citrix-workspace"),  # no thirteenth month
        ("4.9.9002", "citrix-workspace"),  # Citrix Receiver, not the Workspace app
        ("13.1-49.13", "citrix-workspace"),
        ("CU6 Hotfix 2", "citrix-workspace-ltsr"),
        ("4.9.9002", "citrix-workspace-ltsr"),
    ],
)
def test_unparseable_versions_give_none(text: str, scheme: str | None) -> None:
    assert parse_version(text, scheme) is None


def test_parsed_version_keeps_text_and_normalises() -> None:
    parsed = parse_version("V18.12.416.0")
    assert parsed is not None
    assert (parsed.text, parsed.scheme, parsed.normalized) == (
        "V18.12.416.0",
        "generic",
        "18.12.416",
    )


def test_unknown_scheme_is_a_value_error() -> None:
    with pytest.raises(UnknownSchemeError, match="unknown version scheme 'calver'"):
        compare("1", "2", "calver")
    assert isinstance(UnknownSchemeError("x"), ValueError)
    assert {"pep440", "semver", "generic", "cisco-ios", "vmware"} <= SCHEMES


# --- NVD start/end bounds, both ways at each exact bound ----------------------------------
@pytest.mark.parametrize(
    ("fields", "version", "expected"),
    [
        ({"start_including": "7.2.0"}, "7.2.0", A),
        ({"start_including": "7.2.0"}, "7.1.9", N),
        ({"start_including": "7.2.0"}, "7.2.0.1", A),
        ({"start_excluding": "7.2.0"}, "7.2.0", N),
        ({"start_excluding": "7.2.0"}, "7.2.0.0", N),
        ({"start_excluding": "7.2.0"}, "7.2.1", A),
        ({"end_including": "7.2.4"}, "7.2.4", A),
        ({"end_including": "7.2.4"}, "7.2.4.0", A),
        ({"end_including": "7.2.4"}, "7.2.5", N),
        ({"end_excluding": "7.2.5"}, "7.2.5", N),
        ({"end_excluding": "7.2.5"}, "7.2.4", A),
        ({"end_excluding": "7.2.5"}, "7.2.5-rc1", A),
        ({"start_including": "7.0.0", "end_excluding": "7.0.12"}, "7.0.0", A),
        ({"start_including": "7.0.0", "end_excluding": "7.0.12"}, "7.0.12", N),
        ({"start_excluding": "7.0.0", "end_including": "7.0.11"}, "7.0.0", N),
        ({"start_excluding": "7.0.0", "end_including": "7.0.11"}, "7.0.11", A),
        ({"start_including": "*", "end_excluding": "-"}, "1.0", A),
    ],
    ids=lambda x: str(x) if not isinstance(x, dict) else ",".join(f"{k}={v}" for k, v in x.items()),
)
def test_nvd_bounds(fields: dict[str, str], version: str, expected: Status) -> None:
    assert verdict_status(product("FortiOS", ranges=(nvd_range(**fields),)), version) is expected


def test_nvd_and_osv_reject_contradictions() -> None:
    with pytest.raises(ValueError, match="versionStartIncluding"):
        nvd_range(start_including="1", start_excluding="1")
    with pytest.raises(ValueError, match="versionEndIncluding"):
        nvd_range(end_including="1", end_excluding="2")
    with pytest.raises(ValueError, match="either 'fixed'"):
        osv_range("0", fixed="2", last_affected="1")


def test_osv_range_forms() -> None:
    assert osv_range("0", fixed="7.2.5") == VersionRange(None, Bound("7.2.5", False))
    assert osv_range("7.2.0", last_affected="7.2.4") == VersionRange(
        Bound("7.2.0", True), Bound("7.2.4", True)
    )
    assert osv_range("7.2.0") == VersionRange(Bound("7.2.0", True), None)


def test_nginx_ranges_split_the_stable_line() -> None:
    assert nginx_ranges("1.1.3-1.23.1", "1.23.2+, 1.22.1+") == (
        VersionRange(Bound("1.1.3", True), Bound("1.22.1", False)),
        VersionRange(Bound("1.23.0", True), Bound("1.23.1", True)),
    )
    with pytest.raises(ValueError, match="not an nginx version"):
        nginx_ranges("1.1.x-1.2.0")


# --- vers -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "ranges", "versions", "excluded", "all_versions", "scheme"),
    [
        pytest.param(
            "vers:all/>=V11.5.1|<V11.6.2",
            (VersionRange(Bound("V11.5.1", True), Bound("V11.6.2", False)),),
            (),
            (),
            False,
            "generic",
            id="ICSA-24-284-08 V prefix",
        ),
        pytest.param(
            "vers:all/<V17 Update 6",
            (VersionRange(None, Bound("V17 Update 6", False)),),
            (),
            (),
            False,
            "generic",
            id="ICSA-23-103-04 version with spaces",
        ),
        pytest.param("vers:all/*", (), (), (), True, "generic", id="all versions"),
        pytest.param("vers:none/*", (), (), (), False, "generic", id="no versions"),
        pytest.param(
            "vers:pypi/ <2.0 | >= 1.0 ",
            (VersionRange(Bound("1.0", True), Bound("2.0", False)),),
            (),
            (),
            False,
            "pep440",
            id="unsorted with whitespace",
        ),
        pytest.param(
            "VERS:Maven/1.0|!=1.5|>=2.0-beta9|<2.15.0",
            (VersionRange(Bound("2.0-beta9", True), Bound("2.15.0", False)),),
            ("1.0",),
            ("1.5",),
            False,
            "maven",
            id="bare version, != and a range",
        ),
        pytest.param(
            "vers:deb/<1:9.2p1-2+deb12u3|>=1:8.5p1",
            (VersionRange(Bound("1:8.5p1", True), Bound("1:9.2p1-2+deb12u3", False)),),
            (),
            (),
            False,
            "deb",
            id="deb sorted by dpkg order",
        ),
        pytest.param(
            "vers:npm/<1|<2|>=3|>=4|<5",
            (
                VersionRange(None, Bound("2", False)),
                VersionRange(Bound("3", True), Bound("5", False)),
            ),
            (),
            (),
            False,
            "semver",
            id="non-alternating bounds widen",
        ),
        pytest.param(
            "FortiOS/>=7.0.0|<=7.0.5",
            (VersionRange(Bound("7.0.0", True), Bound("7.0.5", True)),),
            (),
            (),
            False,
            "generic",
            id="Fortinet CSAF without vers:",
        ),
        pytest.param(
            "<V3.0.29",
            (VersionRange(None, Bound("V3.0.29", False)),),
            (),
            (),
            False,
            "generic",
            id="CSAF vls fallback",
        ),
        pytest.param(
            "vers:all/V17%20Update%206", (), ("V17 Update 6",), (), False, "generic", id="%-encoded"
        ),
        pytest.param(
            "vers:generic/>=1.0|<=2.0|<2.0",
            (VersionRange(Bound("1.0", True), Bound("2.0", True)),),
            (),
            (),
            False,
            "generic",
            id="vers-spec duplicate upper: '<=' wins",
        ),
        pytest.param(
            "vers:generic/>1.0|>=1.0|<2.0",
            (VersionRange(Bound("1.0", True), Bound("2.0", False)),),
            (),
            (),
            False,
            "generic",
            id="vers-spec duplicate lower: '>=' wins",
        ),
        pytest.param(
            "vers:generic/<2.0|>=1.0|<=2.0",
            (VersionRange(Bound("1.0", True), Bound("2.0", True)),),
            (),
            (),
            False,
            "generic",
            id="vers-spec duplicate upper in any order",
        ),
        pytest.param(
            "vers:generic/>2.0|<2.0",
            (VersionRange(None, Bound("2.0", False)), VersionRange(Bound("2.0", False), None)),
            (),
            (),
            False,
            "generic",
            id="vers-spec every version but 2.0",
        ),
        pytest.param(
            "vers:generic/>=1.0|<2.0|>=2.0|<3.0",
            (
                VersionRange(Bound("1.0", True), Bound("2.0", False)),
                VersionRange(Bound("2.0", True), Bound("3.0", False)),
            ),
            (),
            (),
            False,
            "generic",
            id="vers-spec adjacent intervals",
        ),
        pytest.param(
            "vers:generic/>=1.0.0",
            (VersionRange(Bound("1.0.0", True), None),),
            (),
            (),
            False,
            "generic",
            id="open above",
        ),
    ],
)
def test_parse_vers(
    text: str,
    ranges: tuple[VersionRange, ...],
    versions: tuple[str, ...],
    excluded: tuple[str, ...],
    all_versions: bool,
    scheme: str,
) -> None:
    spec = parse_vers(text)
    assert (spec.ranges, spec.versions, spec.excluded, spec.all_versions, spec.scheme) == (
        ranges,
        versions,
        excluded,
        all_versions,
        scheme,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vers:generic/PAN-OS Firewall>=11.2.10", "not one comparator and one version"),
        ("vers:generic/", "no constraints"),
        ("vers:generic", "no '/'"),
        ("vers:generic/>=", "has no version"),
        ("vers:generic/*|>=1.0", "'\\*' must stand alone"),
        ("", "no constraints"),
    ],
)
def test_parse_vers_errors(text: str, message: str) -> None:
    with pytest.raises(VersParseError, match=message) as info:
        parse_vers(text)
    assert isinstance(info.value, ValueError)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("text", "version", "expected"),
    [
        pytest.param("vers:generic/>=1.0|<=2.0|<2.0", "2.0", A, id="vers-spec <=2.0 names 2.0"),
        pytest.param("vers:generic/>=1.0|<=2.0|<2.0", "2.0.0", A, id="vers-spec 2.0.0 = 2.0"),
        pytest.param("vers:generic/>=1.0|<=2.0|<2.0", "2.0.1", N, id="vers-spec above 2.0"),
        pytest.param("vers:generic/>=1.0|<=2.0|<2.0", "1.0", A, id="vers-spec lower bound"),
        pytest.param("vers:generic/>1.0|>=1.0|<2.0", "1.0", A, id="vers-spec >=1.0 names 1.0"),
        pytest.param("vers:generic/>1.0|>=1.0|<2.0", "0.9", N, id="vers-spec below 1.0"),
        pytest.param("vers:generic/>1.0|>=1.0|<2.0", "2.0", N, id="vers-spec <2.0 excludes"),
        pytest.param("vers:semver/>=1.0.0|<=2.0.0|<2.0.0", "2.0.0", A, id="vers-spec semver"),
        pytest.param("vers:generic/<2.0|>2.0", "2.0", N, id="vers-spec all but 2.0: 2.0"),
        pytest.param("vers:generic/<2.0|>2.0", "2.1", A, id="vers-spec all but 2.0: 2.1"),
    ],
)
def test_vers_duplicate_bounds_keep_the_widest_reading(
    text: str, version: str, expected: Status
) -> None:
    assert verdict_status(_from_vers("x", text), version) is expected


def test_dual_label_disagreement_explains_both_readings() -> None:
    verdict = compile_statement(MOVEIT_BOTH).status("2023.0.1 (15.0.0)")
    assert verdict.status is U
    assert verdict.reason == (
        "the two numberings of '2023.0.1 (15.0.0)' disagree (2023.0.1 is not in the affected "
        "ranges >=2023.0.0 <2023.0.1; >=15.0.0 <15.0.1; 15.0.0 is in the affected range "
        ">=15.0.0 <15.0.1); check it manually, or give the rule version_aliases"
    )


def test_other_notation_reason_says_check_manually() -> None:
    reason = compile_statement(JAVA_CPE).status("8u371").reason
    assert reason == (
        "the installed version '8u371' could not be compared with 1.8.0 update371, "
        "1.8.0 update372; check it manually"
    )


def test_vers_all_statement_hits_unparseable_versions() -> None:
    assert verdict_status(_from_vers("x", "vers:all/*"), "latest") is A


# --- matcher semantics and reasons ---------------------------------------------------------
def test_reasons_are_written_for_people() -> None:
    fortios = product("FortiOS", ranges=(osv_range("7.2.0", fixed="7.2.5"),))
    assert compile_statement(CX_WIN).status("18.12.416").reason == (
        "18.12.416 is one of the listed affected builds (18.12.407, 18.12.416)"
    )
    assert compile_statement(fortios).status("7.2.3").reason == (
        "7.2.3 is in the affected range >=7.2.0 <7.2.5"
    )
    assert compile_statement(fortios).status("latest").reason == (
        "the installed version 'latest' could not be compared with 7.2.0, 7.2.5; check it manually"
    )
    assert compile_statement(fortios).status("7.2.5").reason == (
        "7.2.5 is not in the affected range >=7.2.0 <7.2.5"
    )
    assert "same build as 18.12.416" in compile_statement(CX_WIN).status("18.12.416.0").reason


def test_label_verdict_names_the_label() -> None:
    verdict = compile_statement(CX_WIN).status("update 7")
    assert (verdict.status, verdict.label) == (A, "Update 7")
    assert verdict.reason.startswith("'update 7' is Update 7 (builds 18.12.407, 18.12.416); ")
    # A build that belongs to a label carries it too, so alerts can show both.
    assert compile_statement(CX_WIN).status("18.12.416").label == "Update 7"
    fixed_label = product("3CX", versions=("18.12.416",), labels=(("Update 8", ("18.12.422",)),))
    verdict = compile_statement(fixed_label).status("Update 8")
    assert (verdict.status, verdict.label) == (N, "Update 8")


def test_exact_lists_never_widen_and_match_unparseable_strings() -> None:
    statement = product("Appliance", versions=("latest-2023", "4.1.0"))
    assert verdict_status(statement, "Latest-2023") is A  # string-identical after normalising
    assert verdict_status(statement, "nightly") is U  # unparseable, not listed: unknown
    assert verdict_status(statement, "4.1.0.0") is A
    # 4.0.9 might be what the vendor calls "latest-2023": only a human can tell.
    assert verdict_status(statement, "4.0.9") is U
    assert verdict_status(product("Appliance", versions=("4.1.0", "4.3.0")), "4.2.0") is N


def test_statements_without_versions_or_with_unknown_scheme_are_unknown() -> None:
    assert verdict_status(product("x"), "1.0") is U
    odd = product("x", scheme="calver", versions=("1.0",))
    verdict = compile_statement(odd).status("1.0")
    assert verdict.status is U and "calver" in verdict.reason


def test_unreadable_bound_only_decides_when_the_other_side_excludes() -> None:
    statement = product("Exchange", ranges=(osv_range("15.2.0", fixed="publication"),))
    assert verdict_status(statement, "15.1.2507.6") is N  # below the readable lower bound
    assert verdict_status(statement, "15.2.1118.7") is U


def test_all_versions_respects_excluded() -> None:
    statement = product("x", all_versions=True, excluded=("2.0",))
    assert verdict_status(statement, "2.0.0") is N
    assert verdict_status(statement, "anything") is A


def test_compile_statement_is_cached_and_status_is_stable() -> None:
    assert compile_statement(FORTIOS) is compile_statement(FORTIOS)
    matcher = compile_statement(FORTIOS)
    assert matcher.status("7.2.3") is matcher.status("7.2.3")


def test_a_statement_without_versions_quotes_what_the_source_said() -> None:
    # CSAF product_version "7.2.4+" cannot be read safely: the alert must say what it was.
    said = "the advisory gives the versions as '7.2.4+', which cannot be read safely"
    verdict = compile_statement(AffectedProduct(vendor="Fortinet", product="FortiOS", note=said)).status("7.2.3")
    assert verdict.status is Status.UNKNOWN
    assert verdict.reason == f"the advisory names no affected versions of FortiOS ({said}); check it manually"


@pytest.mark.parametrize("text", ["1" * 5000, "8u" + "1" * 4400, "1.8.0_" + " update " * 3000])
def test_an_absurdly_long_version_is_unknown(text: str) -> None:
    # Hostile feed text: 5,000 digits passed int()'s limit and raised; the Java reader was slow.
    assert verdict_status(product("Java", versions=("8u381",), scheme="java"), text) is U
    assert verdict_status(product("App", ranges=(VersionRange(None, Bound("2.0", False)),)), text) is U


# Siemens writes releases with named parts (SSA advisories via CISA's CSAF); inventories
# write them dotted: WinCC "V7.5 SP2 Update 14" is 7.5.2.14, TIA Portal "V17 Update 6" 17.0.6.
@pytest.mark.parametrize(
    ("a", "b", "order"),
    [
        ("V17 Update 5", "V17 Update 6", -1),
        ("V17 Update 6", "17.0.6", 0),
        ("V7.5 SP2 Update 14", "7.5.2.14", 0),
        ("V7.4 Update 3", "V7.4 SP1", -1),  # the generic scheme cannot order these
        ("V7.4 SP1 Update 14", "V7.5", -1),
        ("V3.15 P038", "V3.15 P040", -1),  # WinCC OA patches
        ("V5.6 SP2 HF3", "V5.6 SP2", 1),
        ("V4.1 SP10 HF3", "V4.1 SP9 HF9", 1),
        ("V9.0 Upd3", "V9.0 Update 3", 0),
        ("13.0.0.9", "V13.1.0.9", -1),
        ("V14", "V17 Update 6", -1),
        ("7.5.2", "V7.5 SP2 Update 14", None),  # SP2 or Update 2? cannot tell
        ("7.5.2", "V7.5 Update 3", -1),
    ],
)
def test_siemens_releases_order_as_siemens_names_them(a: str, b: str, order: int | None) -> None:
    assert compare(a, b, "siemens") == order


@pytest.mark.parametrize("text", ["V7.4 HF3 SP2", "V7.4 SP1 SP2", "Update 6", "1.2.3.4.5"])
def test_what_is_not_a_siemens_release_is_unreadable(text: str) -> None:
    assert parse_version(text, "siemens") is None
