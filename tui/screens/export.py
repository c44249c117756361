"""Export dialog: validation share, seed and output files of a train/valid split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ftui.core.split import default_split_paths

__all__ = ["ExportDialog", "ExportRequest", "parse_fraction"]


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked the export to do (run `split_dataset` + `write_split`).

    Attributes:
        validation_fraction: Share of examples for validation, 0 <= f < 1.
        seed: Seed of the random split.
        train_path: Training file to write.
        valid_path: Validation file to write.
        overwrite: The user confirmed replacing existing files.
    """

    validation_fraction: float
    seed: int
    train_path: Path
    valid_path: Path
    overwrite: bool


def parse_fraction(text: str) -> float:
    """Read a validation share typed as `0.1`, `.1` or `10%`.

    Args:
        text: What the user typed.

    Returns:
        The fraction.

    Raises:
        ValueError: Not a number, or not in [0, 1).
    """
    value = text.strip()
    percent = value.endswith("%")
    try:
        number = float(value.rstrip("%").strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a number; type e.g. 0.1 or 10%") from None
    if percent or number >= 1:
        number /= 100  # "10" means 10%, as in "10%"
    if not 0 <= number < 1:
        raise ValueError("give a share between 0 and 1 (or 0-99%)")
    return number


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Ask how to split the dataset into training and validation files.

    Dismisses with an `ExportRequest`, or `None` when cancelled. When an
    output file exists the first Export only warns; pressing it again
    confirms the overwrite.

    | Key | Action |
    | :- | :- |
    | enter | Export (in any field). |
    | escape | Cancel. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
    ]

    DEFAULT_CSS = """
    ExportDialog {
        align: center middle;
        background: $background 60%;
        & > Vertical {
            width: 80%;
            max-width: 100;
            min-width: 50;
            height: auto;
            max-height: 95%;
            border: thick $primary;
            background: $surface;
            padding: 0 1;
        }
        & .export-row { height: auto; margin-top: 1; }
        & .export-row > Label { width: 18; padding: 0 1 0 0; }
        & .export-row > Input { width: 1fr; }
        & #export-fraction, & #export-seed { max-width: 16; }
        & #export-info { color: $text-muted; margin: 1 0 0 0; }
        & #export-warning { color: $text-warning; height: auto; }
        & #export-warning.-error { color: $text-error; }
        & #export-buttons { height: auto; align-horizontal: right; margin-top: 1; }
        & #export-buttons > Button { margin-left: 1; }
    }
    """

    def __init__(
        self,
        source: Path,
        *,
        examples: int | None = None,
        fraction: float = 0.1,
        seed: int = 42,
    ) -> None:
        """Prepare the dialog.

        Args:
            source: The dataset file (outputs default to files next to it).
            examples: Valid examples in the dataset, for the size preview.
            fraction: Initial validation share.
            seed: Initial seed.
        """
        super().__init__()
        self.source = Path(source)
        self.examples = examples
        self._fraction = fraction
        self._seed = seed
        self._confirmed: tuple[Path, Path] | None = None

    def compose(self) -> ComposeResult:
        """Four fields, a preview line, a warning line and the buttons."""
        train, valid = default_split_paths(self.source)
        with Vertical() as box:
            box.border_title = f"Export {self.source.name} as train/validation"
            with Horizontal(classes="export-row"):
                yield Label("Validation share")
                yield Input(f"{self._fraction:g}", id="export-fraction", compact=True)
            with Horizontal(classes="export-row"):
                yield Label("Seed")
                yield Input(
                    str(self._seed), id="export-seed", type="integer", compact=True
                )
            with Horizontal(classes="export-row"):
                yield Label("Training file")
                yield Input(str(train), id="export-train", compact=True)
            with Horizontal(classes="export-row"):
                yield Label("Validation file")
                yield Input(str(valid), id="export-valid", compact=True)
            yield Static(id="export-info", markup=False)
            yield Static(id="export-warning", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Cancel", id="export-cancel")
                yield Button("Export", id="export-ok", variant="primary")

    def on_mount(self) -> None:
        """Show the size preview and focus the first field."""
        self._update_info()
        self.query_one("#export-fraction", Input).focus()

    # ------------------------------------------------------------------ fields
    def _path(self, input_id: str) -> Path:
        text = self.query_one(input_id, Input).value.strip()
        path = Path(text).expanduser()
        # relative names are "next to the dataset", as the defaults are
        return path if path.is_absolute() else self.source.parent / path

    def _update_info(self) -> None:
        info = self.query_one("#export-info", Static)
        try:
            fraction = parse_fraction(self.query_one("#export-fraction", Input).value)
        except ValueError:
            info.update("")
            return
        text = (
            "Duplicate clusters stay on one side; blank and invalid lines are "
            "left out. Relative paths are next to the dataset."
        )
        if self.examples is not None:
            valid = round(fraction * self.examples)
            if fraction > 0 and valid == 0 and self.examples >= 2:
                valid = 1
            text = (
                f"About {self.examples - valid:,} training / {valid:,} validation "
                f"examples. {text}"
            )
        info.update(Text(text))

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._confirmed = None  # a confirmation is for the paths it was shown for
        self.query_one("#export-ok", Button).label = "Export"
        self._warn("")
        self._update_info()

    def _warn(self, message: str, *, error: bool = False) -> None:
        warning = self.query_one("#export-warning", Static)
        warning.set_class(error, "-error")
        warning.update(Text(message))

    # ------------------------------------------------------------------ actions
    @on(Input.Submitted)
    @on(Button.Pressed, "#export-ok")
    def _submit(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        try:
            fraction = parse_fraction(self.query_one("#export-fraction", Input).value)
        except ValueError as err:
            self._warn(f"Validation share: {err}", error=True)
            return
        seed_text = self.query_one("#export-seed", Input).value.strip()
        try:
            seed = int(seed_text)
        except ValueError:
            self._warn("Seed: give a whole number.", error=True)
            return
        train, valid = self._path("#export-train"), self._path("#export-valid")
        if train.resolve() == valid.resolve():
            self._warn("The two output files must be different.", error=True)
            return
        if self.source.resolve() in (train.resolve(), valid.resolve()):
            self._warn("An output file is the dataset itself.", error=True)
            return
        for path in (train, valid):
            if not path.parent.is_dir():
                self._warn(f"Folder {path.parent} does not exist.", error=True)
                return
        existing = [p for p in (train, valid) if p.exists()]
        if existing and self._confirmed != (train, valid):
            names = " and ".join(str(p) for p in existing)
            self._confirmed = (train, valid)
            self.query_one("#export-ok", Button).label = "Overwrite"
            self._warn(f"{names} exist(s). Press Overwrite (or enter) to replace.")
            return
        self.dismiss(ExportRequest(fraction, seed, train, valid, bool(existing)))

    @on(Button.Pressed, "#export-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        """Close without exporting."""
        self.dismiss(None)
