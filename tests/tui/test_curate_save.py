"""Curate screen: saving, files changed on disk, quitting with unsaved changes."""

from __future__ import annotations

import os
from pathlib import Path

from textual.widgets import Input, OptionList

from ftui.core.dataset import open_dataset
from ftui.tui.screens.dialogs import ChoiceDialog, ConfirmDialog, TextPromptDialog
from tests.tui.curate_helpers import lines, make_app, settle, write_fixture


def _replace(path: Path, content: bytes) -> None:
    """Replace a file the way editors and atomic writers do (new inode)."""
    temp = path.with_suffix(".tmp")
    temp.write_bytes(content)
    os.replace(temp, path)


async def _choose(pilot, option_id: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    option_list = dialog.query_one(OptionList)
    option_list.highlighted = [o.id for o in option_list.options].index(option_id)
    await pilot.press("enter")
    await pilot.pause()


async def test_save_changes_only_edited_lines(tmp_path: Path) -> None:
    path = write_fixture(tmp_path)
    original = path.read_bytes().splitlines(keepends=True)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.goto_line(6)
        await pilot.press("right_square_bracket", "right_square_bracket", "w")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not screen.dataset.modified
        assert "modified" not in str(screen.query_one("#title-bar").render())
    saved = path.read_bytes().splitlines(keepends=True)
    assert len(saved) == len(original)
    changed = [
        i for i, (a, b) in enumerate(zip(original, saved, strict=True)) if a != b
    ]
    assert changed == [5]
    # the broken line 8 and the spaced duplicate line 7 are byte-identical
    assert saved[7] == original[7]
    assert saved[6] == original[6]
    reopened = open_dataset(path)
    assert reopened.record(5).data["messages"][2]["weight"] == 0


async def test_changed_on_disk_offers_save_as(tmp_path: Path) -> None:
    path = write_fixture(tmp_path)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        # another program replaces the file meanwhile (write + rename)
        outside = b'{"messages":[{"role":"user","content":"outside"}]}\n'
        _replace(path, outside)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await _choose(pilot, "save_as")
        assert isinstance(app.screen, TextPromptDialog)
        target = tmp_path / "mine.jsonl"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert path.read_bytes() == outside  # their change is kept
        original = b"\n".join(lines()) + b"\n"
        assert target.read_bytes() == original.split(b"\n", 1)[1]
        # saving over an existing file asks first
        await pilot.press("S")
        await pilot.pause()
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert screen.dataset.modified


async def test_changed_on_disk_overwrite(tmp_path: Path) -> None:
    path = write_fixture(tmp_path)
    app = make_app(path, analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        _replace(path, b"{}\n")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await _choose(pilot, "overwrite")
        assert path.read_bytes() == (b"\n".join(lines()) + b"\n").split(b"\n", 1)[1]
        assert not app.dataset.modified


async def test_file_rewritten_in_place_still_offers_save_as(tmp_path: Path) -> None:
    path = write_fixture(tmp_path)
    original = path.read_bytes()
    app = make_app(path, analyse=False)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("d")
        await pilot.pause()
        path.write_bytes(b"{}\n")  # same inode: ftui holds its own copy of the bytes
        os.utime(path, ns=(1, 1))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert path.read_bytes() == b"{}\n"
        app.dataset.save(tmp_path / "mine.jsonl")
    assert (tmp_path / "mine.jsonl").read_bytes() == original.split(b"\n", 1)[1]


async def test_quit_with_unsaved_changes_asks(tmp_path: Path) -> None:
    path = write_fixture(tmp_path)
    before = path.read_bytes()
    app = make_app(path, analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await _choose(pilot, "cancel")
        assert app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await _choose(pilot, "save")
        await pilot.pause()
    assert not app.is_running
    assert path.read_bytes() != before
    assert len(path.read_bytes().splitlines()) == 11


async def test_quit_without_changes_is_immediate(tmp_path: Path) -> None:
    app = make_app(write_fixture(tmp_path), analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert not app.is_running


async def test_quit_discarding_changes(tmp_path: Path) -> None:
    path = write_fixture(tmp_path)
    before = path.read_bytes()
    app = make_app(path, analyse=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "ctrl+q")
        await pilot.pause()
        await _choose(pilot, "quit")
    assert path.read_bytes() == before


async def test_big_files_save_in_a_worker_behind_a_modal(tmp_path: Path) -> None:
    from ftui.tui.screens.dialogs import BusyDialog

    path = write_fixture(tmp_path)
    original = path.read_bytes().splitlines(keepends=True)
    app = make_app(path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.save_in_thread_bytes = 0  # treat the fixture as a big file
        await pilot.press("d")
        await settle(pilot)
        seen: list[bool] = []
        original_push = app.push_screen

        def spy(screen_: object, *args: object, **kwargs: object) -> object:
            seen.append(isinstance(screen_, BusyDialog))
            return original_push(screen_, *args, **kwargs)

        app.push_screen = spy  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert seen == [True]
        assert not isinstance(app.screen, BusyDialog)
        assert not screen.dataset.modified
        # then quitting does not ask, and the file lost exactly line 1
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert path.read_bytes().splitlines(keepends=True) == original[1:]
