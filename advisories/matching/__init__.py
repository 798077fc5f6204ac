"""Pure matching: advisories x inventories -> matches, each with the reason.

Built for sector scale. An Estate groups every council's rows by what they are (product, vendor,
version, platform), and those groups by product identity, so each distinct row is matched once
and fanned out to the councils that have it, and a product no advisory names costs one dict
look-up for all its rows. What belongs to loading is done by the Estate while it is built:
each distinct version string read once (stripped, normalised, parsed under the default
scheme), each identity's groups ranked by version and, given the catalogue, each identity's
catalogue key resolved.

Statements are indexed by product key (the Matcher, when it is built), and each key's bucket
is built the first time an estate looks the key up. Within a key, the bounds and listed
builds of the plain statements (builds and ranges in one totally ordered scheme) cut the
versions into segments, each tabulated with the statements that hit it, so the version
pre-filter is one bisection, and the groups above the newest version any of them names are
passed over in one bisection too. A plain statement that the pre-filter keeps is judged from
the version's parsed key and its reason written as `VersionMatcher` writes it; any other
statement gets the full `VersionMatcher` verdict (compiled when first needed). Verdicts are
worked out once per distinct (key, version, platform) and fanned out to every row and council
that has it. The pre-filter only ever drops statements whose verdict is certainly "not
affected", so the answers, reasons included, are those of the every-row x every-statement
loop.
"""

from advisories.matching.estate import Estate
from advisories.matching.matcher import Matcher, PublisherClash, judge, platform_verdict
from advisories.matching.terms import Candidate

__all__ = ["Candidate", "Estate", "Matcher", "PublisherClash", "judge", "platform_verdict"]
