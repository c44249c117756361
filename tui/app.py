"""The ftui Textual app: theme, command palette and the curate screen."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ftui.core.dataset import Dataset
from ftui.tui.commands import CurateCommands
from ftui.tui.screens.curate import CurateScreen
from ftui.tui.screens.dialogs import ChoiceDialog
from ftui.tui.theme import FTUI_THEME

__all__ = ["FtuiApp"]


class FtuiApp(App[None]):
    """ftui: curate a fine-tuning dataset (more modes come later)."""

    TITLE = "ftui"
    COMMANDS = App.COMMANDS | {CurateCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        dataset: Dataset,
        *,
        model: str | None = None,
        analyse: bool = True,
        theme: str = "ftui",
    ) -> None:
        """Args: `model` prices and tokenizes (default from config.toml);
        `analyse=False` starts no background analysis (tests, benchmarks)."""
        super().__init__()
        self.dataset = dataset
        self._model = model
        self._analyse = analyse
        self.register_theme(FTUI_THEME)
        self.theme = theme

    def on_mount(self) -> None:
        """Open the curate screen."""
        self.push_screen(
            CurateScreen(self.dataset, model=self._model, analyse=self._analyse)
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Built-in commands plus every action of the curate screen."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, CurateScreen):
            for title, help_text, callback in screen.commands():
                yield SystemCommand(title, help_text, callback)

    async def action_quit(self) -> None:
        """Quit, asking first when there are unsaved changes."""
        if not self.dataset.modified:
            self.exit()
            return

        def choose(choice: str | None) -> None:
            if choice == "quit":
                self.exit()
            elif choice == "save":
                screen = self._curate_screen()
                if screen is not None:
                    screen.save(then=self.exit)

        self.push_screen(
            ChoiceDialog(
                "There are unsaved changes.",
                [
                    ("save", "Save, then quit"),
                    ("quit", "Quit without saving"),
                    ("cancel", "Keep editing"),
                ],
                current="cancel",
            ),
            choose,
        )

    def _curate_screen(self) -> CurateScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, CurateScreen):
                return screen
        return None
