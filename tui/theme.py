"""ftui's colour theme: the only place colours are written as values."""

from __future__ import annotations

from textual.theme import Theme

__all__ = ["FTUI_THEME"]

# Colours chosen to stay distinct when a 256-colour terminal quantizes them.
FTUI_THEME = Theme(
    name="ftui",
    primary="#5FAFFF",
    secondary="#87AF87",
    accent="#FFAF5F",
    foreground="#DADADA",
    background="#121212",
    surface="#1C1C1C",
    panel="#262626",
    success="#87D787",
    warning="#FFD75F",
    error="#FF5F5F",
    dark=True,
    variables={
        "footer-key-foreground": "#FFAF5F",
        "block-cursor-background": "#005F87",
        "block-cursor-foreground": "#FFFFFF",
    },
)
"""The default theme; every built-in theme stays selectable from the palette."""
