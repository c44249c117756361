"""Fixtures and helpers shared by the curate screen tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ftui.core.dataset import open_dataset
from ftui.tui.app import FtuiApp
from ftui.tui.screens.curate import CurateScreen

SYSTEM = "You label support tickets with one category."


def chat(user: str, answer: str, **extra: Any) -> dict[str, Any]:
    """A three-turn chat example."""
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ],
        **extra,
    }


def lines() -> list[bytes]:
    """Twelve lines: clean examples, a multi-turn one, a duplicate, a broken line,
    a misspelt role and a line holding markup and an ANSI escape."""
    rows: list[bytes] = []
    topics = [
        ("My invoice shows the wrong VAT number", "billing"),
        ("The app crashes when I open settings", "bug"),
        ("How do I export my data to CSV?", "how-to"),
        ("Please cancel my subscription today", "account"),
        ("Password reset email never arrives", "account"),
    ]
    for user, answer in topics:
        rows.append(json.dumps(chat(user, answer)).encode())
    multi = {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": "Charged twice this month"},
            {"role": "assistant", "content": "bug"},
            {"role": "user", "content": "No, it is about money"},
            {"role": "assistant", "content": "billing"},
        ]
    }
    rows.append(json.dumps(multi).encode())  # line 6
    # line 7: same example as line 1, other spacing (an exact duplicate)
    rows.append(
        json.dumps(chat(*topics[0]), indent=None, separators=(", ", ": ")).encode()
    )
    rows.append(b'{"messages":[{"role":"user","content":"cut off')  # line 8
    bad_role = chat("Where is my parcel?", "shipping")
    bad_role["messages"][2]["role"] = "asistant"
    rows.append(json.dumps(bad_role).encode())  # line 9
    rows.append(
        json.dumps(
            chat("[bold]x[/] and \x1b[31mred\x1b[0m text", "[link]no[/link]")
        ).encode()
    )  # line 10
    rows.append(json.dumps(chat("Dark mode please", "feature-request")).encode())
    rows.append(
        json.dumps(chat("Invoice in euros instead of dollars?", "billing")).encode()
    )
    return rows


def write_fixture(folder: Path, name: str = "data.jsonl") -> Path:
    """Write the fixture file (LF endings, trailing newline) and return its path."""
    path = folder / name
    path.write_bytes(b"\n".join(lines()) + b"\n")
    return path


def make_app(path: Path, *, analyse: bool = True, model: str | None = None) -> FtuiApp:
    """The app on a file, as `ftui curate` builds it (with short edit debounces)."""
    return FtuiApp(open_dataset(path), analyse=analyse, model=model)


async def settle(pilot: Any, rounds: int = 40) -> CurateScreen:
    """Wait until background analysis (and the follow-up runs it triggers) is done."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause(0.05)
        screen = curate(app)
        screen.validate_delay, screen.dedup_delay = 0.01, 0.02
        if not screen.busy and all(w.is_finished for w in app.workers):
            return screen
    raise AssertionError("analysis did not settle")


def curate(app: FtuiApp) -> CurateScreen:
    """The curate screen of a running app."""
    for screen in app.screen_stack:
        if isinstance(screen, CurateScreen):
            return screen
    raise AssertionError("no curate screen")
