"""One error hierarchy. Each error says what went wrong and, in `hint`, what to do about it.

Only the CLI catches these to print them; everything else raises or collects them.
"""

from __future__ import annotations


class AdvisoriesError(Exception):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(AdvisoriesError):
    """feeds.toml, a rule, an inventory path or a template is wrong: nothing should run."""


class FetchError(AdvisoriesError):
    """A feed could not be downloaded. `disable` is set when retrying is pointless (410);
    `retry_after` when the server asked for a longer pause than one run waits (429/503)."""

    def __init__(self, message: str, hint: str = "", *, disable: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message, hint)
        self.disable = disable
        self.retry_after = retry_after


class ParseError(AdvisoriesError):
    """Bytes were fetched but are not what the source expects (an HTML page, broken XML)."""


class InventoryError(AdvisoriesError):
    """An inventory file cannot be read at all (bad rows are reported, not raised)."""


class DeliveryError(AdvisoriesError):
    """Sending failed. `retryable` keeps the message queued for the next run (4xx, refused)."""

    def __init__(self, message: str, hint: str = "", *, retryable: bool) -> None:
        super().__init__(message, hint)
        self.retryable = retryable
