"""ftui.core must stay importable without any UI library."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import ftui.core

FORBIDDEN = ("textual", "rich")


def test_no_core_module_imports_a_ui_library() -> None:
    modules = [
        m.name for m in pkgutil.walk_packages(ftui.core.__path__, prefix="ftui.core.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"ftui.core pulled in {result.stdout}"
