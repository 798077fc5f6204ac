"""FileTransport: the embedded default when no SMTP server is configured.

Each message becomes <folder>/<safe key>-<hash>.eml, written to a temporary file and
os.replace()d so a reader never sees half a message. The name depends only on the key, so
re-sending a message (a retry, a re-run) overwrites its file instead of adding a copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from advisories.delivery import DeliveryResult, OnResult
from advisories.delivery.mime import email_bytes
from advisories.models import Outgoing

__all__ = ["FileTransport", "file_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def file_name(key: str) -> str:
    """A portable file name for `key`.

    Sanitising alone would map "a/b" and "a:b" to the same name, so a short hash of the
    exact key keeps distinct keys apart; the readable prefix is for the operator.
    """
    readable = _UNSAFE.sub("_", key).strip("._-")[:80] or "message"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}.eml"


class FileTransport:
    """Writes one .eml per message into `folder` (created when first needed)."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = Path(folder)
        self.sender = sender

    def path_for(self, key: str) -> Path:
        return self.folder / file_name(key)

    def send(self, messages: Sequence[Outgoing], on_result: OnResult | None = None) -> list[DeliveryResult]:
        results = []
        for message in messages:
            results.append(result := self._write(message))
            if on_result is not None:
                on_result(result)
        return results

    def _write(self, message: Outgoing) -> DeliveryResult:
        try:
            data = email_bytes(message, self.sender)
        except ValueError as exc:
            # The message itself is malformed: writing it again next run would fail again.
            return DeliveryResult(message.key, ok=False, error=f"invalid message: {exc}")
        path = self.path_for(message.key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
        except OSError as exc:
            # Disk full, permissions, a missing mount: the operator can fix it, so retry.
            reason = exc.strerror or exc.__class__.__name__
            return DeliveryResult(
                message.key, ok=False, retryable=True, error=f"cannot write {path}: {reason}"
            )
        return DeliveryResult(message.key, ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    # The temporary file lives in the same folder so os.replace() is a same-filesystem rename;
    # the leading dot and .tmp suffix keep it out of "*.eml" globs while it is incomplete.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
