"""Making untrusted text (dataset content, server messages) safe to print."""

from __future__ import annotations

import unicodedata

__all__ = ["escape_controls"]

# Control, format (bidi overrides), surrogate, private-use, unassigned, and line
# or paragraph separators: anything that could move the cursor, recolour the
# terminal or reorder the line. Ordinary spaces (Zs) stay as they are.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def escape_controls(text: str) -> str:
    """Write control characters as Python escapes so printing `text` is harmless.

    `"\\x1b[2J"` becomes the eight visible characters `\\x1b[2J`; a bidi
    override becomes `\\u202e`. Printable text, including non-ASCII letters and
    spaces, is returned unchanged.

    Args:
        text: Text from a dataset or a server.

    Returns:
        The text with every control or format character escaped.
    """
    if text.isprintable():
        return text
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if unicodedata.category(ch) in _ESCAPED_CATEGORIES
        else ch
        for ch in text
    )
