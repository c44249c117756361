"""Curate screen: bugs found walking through the screen as a new user (issue 4)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from ftui.tui.screens.dialogs import EditTurnDialog
from tests.tui.curate_helpers import make_app, write_fixture


async def test_escape_in_the_turn_editor_discards_at_once(tmp_path: Path) -> None:
    # the editor's TextArea used escape to move focus to the Keep button, so the
    # advertised "escape discards it" needed two presses (and enter then kept it)
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EditTurnDialog)
        app.screen.query_one(TextArea).text = "changed"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, EditTurnDialog)
        assert not app.dataset.modified
