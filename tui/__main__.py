"""`python -m ftui.tui` runs the `ftui` command line."""

from __future__ import annotations

from ftui.tui.cli import main

raise SystemExit(main())
