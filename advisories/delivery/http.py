"""Posts: outbox rows sent as HTTP POSTs to the URL their destination names, through the
project's one HTTP module (sources/fetch.post: its caps, deadlines and retries).

2xx is delivered. 429 and 5xx are retried within the run (backoff, Retry-After), then kept
for the next run; any other status fails for that destination, with the response's first
line. No answer after the body went (a timeout, a drop) is an unknown outcome, as for SMTP:
sent at most once more, then held. Lines name the destination's environment variable, never
its URL: a Teams workflow URL carries its own signature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from advisories.delivery import DeliveryResult, OnResult
from advisories.models import Outgoing
from advisories.sources.fetch import FetchPolicy, Posted, post

Headers = Callable[[Outgoing, bytes], Mapping[str, str]]  # made again for each attempt (a signature)


def _none(item: Outgoing, body: bytes) -> Mapping[str, str]:
    return {}


@dataclass(frozen=True)
class PostTransport:
    label: str  # "Teams"
    urls: Mapping[str, str]  # destination (environment variable) -> URL
    policy: FetchPolicy
    headers: Headers = _none
    content_type: str = "application/json"

    def send(self, messages: Sequence[Outgoing], on_result: OnResult | None = None) -> list[DeliveryResult]:
        results = []
        for item in messages:
            results.append(result := self._post(item))
            if on_result is not None:
                on_result(result)
        return results

    def _post(self, item: Outgoing) -> DeliveryResult:
        where = f"{self.label} {item.destination}"
        url = self.urls.get(item.destination)
        if not url:
            return DeliveryResult(
                item.key, ok=False, retryable=True, error=f"{where}: environment variable {item.destination} is not set"
            )
        body = item.raw or b""
        posted = post(
            url,
            body,
            headers={"Content-Type": self.content_type},
            policy=self.policy,
            headers_for=lambda: self.headers(item, body),
        )
        return result_of(item.key, where, posted)


def result_of(key: str, where: str, posted: Posted) -> DeliveryResult:
    if posted.ok:
        return DeliveryResult(key, ok=True)
    if posted.unknown:
        return DeliveryResult(key, ok=False, retryable=True, unknown=True, error=f"{where}: {posted.first_line}")
    if posted.status is None:
        return DeliveryResult(key, ok=False, retryable=True, error=f"{where}: {posted.first_line}")
    tries = f" (after {posted.attempts} attempts)" if posted.attempts > 1 else ""
    line = f"{where}: HTTP {posted.status}{tries}" + (f": {posted.first_line}" if posted.first_line else "")
    if posted.retryable:
        if posted.retry_after is not None:
            line += f"; the server asked for {posted.retry_after:.0f} s"
        return DeliveryResult(key, ok=False, retryable=True, error=line)
    return DeliveryResult(key, ok=False, retryable=False, error=line)
