"""ftui's engine: everything that is not UI.

Reading and writing JSONL losslessly, validation, tokens, pricing, duplicates,
the service client and the local emulator live here. Nothing in this package
imports Textual or Rich, so every part can be used and tested without a terminal.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
