"""What looks like a version in prose but is not: ids, scores, addresses, dates (masked before
tokenising, so no later rule has to remember them), and the dates that were versions once."""

from __future__ import annotations

import re

# ------------------------------------------------------------------------------- noise
# Things that look like versions but are not: masked (blanked) before tokenising, so no
# later rule has to remember them. Order matters only where patterns overlap.
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
NOISE = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"https?://\S+|\bwww\.\S+",
        r"\b[\w.+-]+@[\w-]+\.[\w.-]+",
        r"\bCVE-\d{4}-\d{4,}\b",
        r"\bGHSA(?:-[0-9a-z]{4}){3}\b",
        # Vendor advisory ids: FG-IR-23-097, VMSA-2021-0010.1, CTX561482, KB5031364, K000137353.
        r"\b(?:FG-IR-\d{2}-\d{3}|VMSA-\d{4}-\d{4}(?:\.\d+)?|CTX\d{5,}|KB\d{6,}|K\d{5,}"
        r"|ZSB-\d{5}|APSB\d{2}-\d{2}|cisco-sa-[\w-]+)\b",
        # CVSS vectors and scores: "CVSS:3.1/AV:N/...", "CVSS v3 score of 9.2", "9.8/10".
        r"\bCVSS:\d\.\d/[A-Z:/]+",
        r"\bCVSS\s*(?:v?\d(?:\.\d)?)?(?:\s*(?:base|overall|temporal))?(?:\s*score)?"
        r"(?:\s*(?:of|:|=|is))?(?:\s*\d{1,2}\.\d)?\b",
        r"\b(?:base\s+)?score[ds]?\s*(?:of|:|=|is)?\s*\d{1,2}\.\d\b",
        r"\b(?:rated|rating|severity)\s*(?:of|:)?\s*\d{1,2}\.\d\b",
        r"\b\d{1,2}\.\d\s*/\s*10(?:\.0)?\b",
        r"\b\d{1,2}\.\d(?=\s*\((?:critical|high|medium|low)\))",
        r"\b(?:critical|high|medium|moderate|low),\s*\d{1,2}\.\d\b(?![.\d])",  # "(High, 6.0)"
        r"\brates?\b[^.;:()]{0,60}?\bat\s+\d{1,2}\.\d\b(?![.\d])",  # "rates the flaw at 9.6"
        r"\b\d{1,3}(?:\.\d{1,3}){3}:\d{2,5}\b",  # an address and port: "192.168.65.7:2375"
        r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?(?![\d.])",
        # Versions of protocols named next to the product's own (runtimes: RUNTIME below).
        r"\b(?:TLS|TLSv|SSLv?|DTLS|HTTPS?|SMBv?|SNMPv?|SSHv?|IPv|\.NET|OAuth|SAML|Kerberos)\s*v?\d+(?:\.\d+)*\b",
        r"(?:(?<=[^\w-]IP )|(?<=^IP ))\d{1,3}(?:\.\d{1,3}){3}\b|\b\d{1,3}(?:\.\d{1,3}){3}/\d{1,2}\b",
        r"\$\s?\d[\d,]*(?:\.\d+)?",
    )
)

# A runtime's version named next to the product's own ("requires Java 11", "PHP 8.1 sites"):
# noise, unless the catalogue lists the runtime itself, whose advisories ("PHP 8.1.* before
# 8.1.29", "Node.js 20.x before 20.19.4") are about exactly those versions (scan.mask_noise).
RUNTIME = re.compile(r"\b(?P<name>Python|PHP|Java|Node\.js)\s*v?\d+(?:\.\d+)*\b", re.IGNORECASE)

DATES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # Dates: ISO, YYYY/MM/DD, YYYY.MM.DD (two-digit parts only: 2023.0.1 is MOVEit),
        # DD.MM.YYYY, DD/MM/YYYY and MM/DD/YYYY with a plausible year.
        rf"(?<![\d.])\d{{4}}-{_MONTH}-{_DAY}(?:T[\d:.]+Z?)?(?![\d.]\d)",
        rf"(?<![\d.])\d{{4}}/{_MONTH}/{_DAY}(?![\d/])",
        r"(?<![\d.])\d{4}\.(?:0[1-9]|1[0-2])\.(?:0[1-9]|[12]\d|3[01])(?![\d.]\d)",
        # A year runs out at its fourth digit: "1.6.20720" is a build, not 1 June 2072.
        rf"(?<![\d./])(?:{_DAY}[./]{_MONTH}|{_MONTH}/{_DAY})[./]{_YEAR}(?![\d.]\d|/|\d)",
    )
)

# A date right before a version operator ("7/2/2004 and below", "before 18/12/416") is a
# version a spreadsheet turned into a date: kept (it reads as suspect), never masked as noise.
DATE_AS_VERSION_AFTER = re.compile(
    r"\s*(?:(?:and|or)\s+(?:all\s+)?(?:below|earlier|prior|lower|older|previous)|through\b|thru\b|-\s*\d)",
    re.IGNORECASE,
)
# "Solr 5.0.0 to 08/03/2001": the upper end of a range whose lower end is a dotted version.
DATE_AS_VERSION_BEFORE = re.compile(
    r"\b(?:before|prior\s+to|through|up\s+to|versions?|builds?)\s*$|\d\.\d+\s+(?:to|-)\s*$", re.IGNORECASE
)
