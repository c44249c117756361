"""Turn dataset text into Rich `Text` that can never act as markup or escape codes."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

__all__ = ["printable", "safe_text"]

# C0 and C1 controls, DEL and bidi overrides become visible escapes: a terminal
# would otherwise act on them (colours, cursor moves, reordered text).
_BIDI = (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_TABLE: dict[int, str] = {
    code: f"\\x{code:02x}" for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
}
_TABLE.update({code: f"\\u{code:04x}" for code in _BIDI})
del _TABLE[0x0A]  # newline, handled per call
_TABLE[0x09] = "    "  # tab: a fixed width keeps columns predictable

_SINGLE_LINE = dict(_TABLE)
_SINGLE_LINE[0x0A] = " ⏎ "


def printable(text: str, *, single_line: bool = False) -> str:
    """Replace control characters with visible escapes like `\\x1b`.

    Args:
        text: Text from a dataset or a model.
        single_line: Also show newlines as ` ⏎ ` (for one-line previews).

    Returns:
        Text safe to hand to a terminal; square brackets are left alone
        because the result is only ever used as plain `Text`, never as markup.
    """
    return text.translate(_SINGLE_LINE if single_line else _TABLE)


def safe_text(text: str, style: str | Style = "", *, single_line: bool = False) -> Text:
    """Build a `Text` that shows `text` literally (no markup, no escape codes).

    Args:
        text: Text from a dataset or a model.
        style: Style for the whole text.
        single_line: Show newlines as ` ⏎ `.

    Returns:
        A Rich `Text`.
    """
    return Text(printable(text, single_line=single_line), style=style, end="")
