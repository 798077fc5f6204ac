"""Model designations among the numbers that end product names: "SINUMERIK 808D V4.7".

Hardware names end with a model number that looks like a version: Siemens lists "SINUMERIK
808D V4.7" and "SINUMERIK 828D V4.7" with their own fixes (ICSA-18-345-02), "SIMATIC CP
1542SP-1" and "SIMATIC CP 1604" are two processors, and Fujitsu's "IP-90" is not the
"IP-900E" (ICSA-23-248-01). The key leaves such a word out with the versions, since
"808D" is written like a build ("1.1.1w", "900IID"), so the model is kept beside the release
line and compared there: a model designation is part of the product; a plain trailing version
number is not.

The designation is the first number a name ends with, when it is written as a model: digits,
optionally followed by letters ("808D", "1542SP", "1604", "90"), with no "V" and no dots.
"V4.7", "12.1.3", "8u381" and "22H2" are no designations. A name that gives none ("SINUMERIK
V4.7") may be any model, and its version decides.
"""

from __future__ import annotations

import re

_DESIGNATION = re.compile(r"(\d+)([a-z]*)", re.IGNORECASE)


def designation_of(word: str) -> str:
    """The word when it is written as a model designation ("808D", "1604"), else ""."""
    return word if _DESIGNATION.fullmatch(word) else ""


def has_letters(designation: str) -> bool:
    """Whether a designation is more than a number: "808D" is, "2019" is not."""
    return bool(designation) and not designation.isdigit()


def designations_agree(a: str, b: str) -> bool:
    """False only when both names give a designation and they are different models: the
    numbers differ ("808D" and "828D", "1542SP" and "1604", "90" and "900E"), or both give
    letters and the letters differ ("900E" and "900D"). A plain number beside the same number
    with letters ("5" and "5a") may be the same line, and its version decides."""
    found_a, found_b = _DESIGNATION.fullmatch(a), _DESIGNATION.fullmatch(b)
    if found_a is None or found_b is None:
        return True
    if int(found_a[1]) != int(found_b[1]):
        return False
    return not (found_a[2] and found_b[2]) or found_a[2].casefold() == found_b[2].casefold()
