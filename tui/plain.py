"""Dataset text made safe to draw: control characters become visible symbols.

Dataset content is never markup: build `rich.text.Text` from it (never a markup
string) and pass it through `clean` first, so an ANSI escape such as ``\\x1b[31m``
shows as ``␛[31m`` instead of reaching the terminal.
"""

from __future__ import annotations

import re

from rich.text import Text

__all__ = ["clean", "clean_line", "plain"]

_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "control pictures": ␛ ␀ ␍ …
    if code == 0x7F:
        return "␡"
    return f"<U+{code:04X}>"


def clean(text: str) -> str:
    """Replace control and bidi-override characters with visible stand-ins.

    Newlines stay; tabs become four spaces.

    Args:
        text: Text from the dataset.

    Returns:
        Text safe to draw.
    """
    return _CONTROL.sub(_visible, text.replace("\t", "    "))


def clean_line(text: str) -> str:
    """Like `clean`, and newlines become ``⏎`` so the text fits on one line."""
    return clean(text.replace("\r\n", "\n")).replace("\n", "⏎ ")


def plain(text: str, style: str = "") -> Text:
    """A `Text` holding dataset content literally (no markup, no escapes)."""
    return Text(clean(text), style=style, end="")
