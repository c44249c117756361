"""Command palette provider for dynamic commands: go to line N, search for text."""

from __future__ import annotations

import re
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

__all__ = ["CurateCommands"]

_LINE = re.compile(r"^\s*(?:line\s*|:|go\s*to\s*(?:line)?\s*)?(\d+)\s*$", re.IGNORECASE)


class CurateCommands(Provider):
    """“Go to line N” when the query is a number; “Search for …” for any text."""

    async def discover(self) -> Hits:
        """Hint at what can be typed."""
        from ftui.tui.screens.curate import CurateScreen

        if isinstance(self.screen, CurateScreen):
            yield DiscoveryHit(
                "Go to line…",
                self.screen.action_goto_line,
                help="type a line number here to jump to it",
            )

    async def search(self, query: str) -> Hits:
        """Offer to jump to a line number or to search for the query."""
        from ftui.tui.screens.curate import CurateScreen

        screen = self.screen
        if not isinstance(screen, CurateScreen):
            return
        match = _LINE.match(query)
        if match:
            line = int(match.group(1))
            yield Hit(
                1.0,
                f"Go to line {line}",
                partial(screen.goto_line, line),
                help="select the example read from this line",
            )
        elif len(query.strip()) >= 3:
            yield Hit(
                0.3,
                f"Search examples for “{query.strip()}”",
                partial(screen.run_search, query.strip()),
                text=f"Search examples for {query.strip()}",
                help="fuzzy search across all turns",
            )
