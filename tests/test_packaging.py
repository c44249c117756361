"""Every package directory under core/ and tui/ must be declared in pyproject.

setuptools' `packages` list is exact: a subpackage missing from it still imports
in an editable install but is silently left out of the wheel.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

from tests.conftest import ROOT


def test_every_subpackage_is_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(("ftui", *init.parent.relative_to(ROOT).parts))
        for top in ("core", "tui")
        for init in (ROOT / top).rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk - declared == set(), "add these to [tool.setuptools] packages"


def test_version_and_help_run() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ftui.tui", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("ftui ")
    helped = subprocess.run(
        [sys.executable, "-m", "ftui.tui", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: ftui" in helped.stdout
