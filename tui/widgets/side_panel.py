"""Base class of the curate side panels: a container that can fill the screen."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import Vertical

__all__ = ["SidePanel"]


class SidePanel(Vertical):
    """A side panel; `m` maximizes it (side panes are narrow on small terminals).

    | Key | Action |
    | :- | :- |
    | m | Maximize the panel / restore it. |
    """

    ALLOW_MAXIMIZE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "toggle_maximize", "Maximize", id="panel.maximize"),
    ]

    def action_toggle_maximize(self) -> None:
        """Fill the screen with this panel, or restore the layout."""
        screen = self.screen
        if screen.maximized is self:
            screen.minimize()
        else:
            screen.maximize(self, container=False)
