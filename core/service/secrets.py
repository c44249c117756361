"""Keeping API keys out of every output: masking, scrubbing and a logging filter.

Every secret ftui loads (from an environment variable or the config file) is
registered here with `register_secret`. `scrub` then replaces any registered
secret in a piece of text with its mask, and `SecretScrubFilter` does the same to
log records, so a key can leak neither through an error message nor a debug log.
"""

from __future__ import annotations

import logging
import threading

__all__ = [
    "SecretScrubFilter",
    "install_log_filter",
    "mask_secret",
    "register_secret",
    "scrub",
]

_MIN_SECRET_LENGTH = 6
"""Shorter values are not scrubbed from text: replacing them would mangle words."""

_lock = threading.Lock()
_secrets: set[str] = set()


def mask_secret(value: str | None) -> str:
    """Return a display form of a secret that cannot be used to recover it.

    Only the last four characters are kept, and only for long keys, so a user can
    tell two keys apart without the key being readable.

    Args:
        value: The secret, or None.

    Returns:
        `"(not set)"`, `"****"` for short secrets, else `"****" + last four`.
    """
    if not value:
        return "(not set)"
    if len(value) < 16:
        return "****"
    return f"****{value[-4:]}"


def register_secret(value: str | None) -> None:
    """Remember a secret so that `scrub` and the log filter hide it from now on.

    Args:
        value: The secret; None and very short values are ignored.
    """
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """Replace every registered secret in `text` by its mask.

    Args:
        text: Any text about to be shown, logged or raised.

    Returns:
        The text without any registered secret.
    """
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, mask_secret(secret))
    return text


class SecretScrubFilter(logging.Filter):
    """A logging filter that scrubs registered secrets from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record's message once, scrubbed, and keep the record."""
        if not _secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        return True


_factory_lock = threading.Lock()
_factory_installed = False


def install_log_filter() -> None:
    """Scrub registered secrets from every log record created from now on.

    A filter on the ``openai`` logger would miss records logged on its children
    (``openai._base_client``), which don't pass through parent filters, so the
    record factory is wrapped instead. Idempotent; called whenever a client is
    built.
    """
    global _factory_installed
    with _factory_lock:
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: object, **kwargs: object) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _filter.filter(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


_filter = SecretScrubFilter()
