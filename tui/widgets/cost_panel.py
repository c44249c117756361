"""The cost panel: model, epochs and tier settings, the estimate, a token histogram."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.containers import Horizontal, VerticalScroll
from textual.geometry import Size
from textual.message import Message
from textual.validation import Function
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from ftui.core.cost import parse_epochs
from ftui.core.errors import ConfigError, FtuiError
from ftui.core.model_table import load_model_table
from ftui.core.settings import load_settings
from ftui.tui.widgets.side_panel import SidePanel

if TYPE_CHECKING:
    from ftui.core.cost import CostEstimate
    from ftui.core.model_table import ModelTable

__all__ = ["CostPanel", "HistogramBin", "TokenHistogram", "histogram_bins"]

PROVIDER_OPTIONS = (("OpenAI", "openai"), ("Azure OpenAI", "azure"))
TIER_OPTIONS = (
    ("Standard", "standard"),
    ("Global Standard", "global"),
    ("Developer", "developer"),
)
_TIER_NAMES = dict((value, label) for label, value in TIER_OPTIONS)


def _nice_width(span: float, bins: int) -> int:
    """A bin width of 1, 2 or 5 times 10^k that covers `span` in about `bins` bins."""
    raw = max(span / bins, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * power >= raw:
            return int(step * power)
    return int(10 * power)


@dataclass(frozen=True, slots=True)
class HistogramBin:
    """One bar of the token histogram."""

    label: str
    """Token range, e.g. `400-499`, `>= 2,000` or `> 65,536`."""
    count: int
    """Examples in the range."""
    over_limit: bool = False
    """The range is past the training context (truncated and capped when billed)."""


def histogram_bins(
    totals: Sequence[int], limit: int | None = None, max_bins: int = 10
) -> list[HistogramBin]:
    """Group token counts into equal-width bins with round edges.

    A few very long examples would squash every other bar into the first one,
    so when the longest is more than twice the 99th percentile the range stops
    there and one last bar counts the rest. Examples longer than `limit` get a
    bar of their own.

    Args:
        totals: Tokens per example.
        limit: The model's training context, if known.
        max_bins: Upper bound on the number of regular bins.

    Returns:
        The bars in increasing order; empty when `totals` is.
    """
    over = [t for t in totals if limit is not None and t > limit]
    rest = sorted(t for t in totals if limit is None or t <= limit)
    bins: list[HistogramBin] = []
    if rest:
        low, high = rest[0], rest[-1]
        p99 = rest[int(0.99 * (len(rest) - 1))]
        top = p99 if len(rest) >= 100 and high > 2 * max(p99, 1) else high
        width = _nice_width(top - low + 1, max_bins)
        start = (low // width) * width
        count = (top - start) // width + 1
        while count > max_bins:  # rounding the start down can add a bin
            width = _nice_width(width * (count + 1), max_bins)
            start = (low // width) * width
            count = (top - start) // width + 1
        end = start + count * width
        counts = [0] * count
        tail = 0
        for value in rest:
            if value >= end:
                tail += 1
            else:
                counts[(value - start) // width] += 1
        bins = [
            HistogramBin(f"{start + i * width:,}-{start + (i + 1) * width - 1:,}", n)
            for i, n in enumerate(counts)
        ]
        if tail:
            bins.append(HistogramBin(f">= {end:,}", tail))
    if over:
        bins.append(HistogramBin(f"> {limit:,}", len(over), over_limit=True))
    return bins


class TokenHistogram(Widget):
    """Text bars of tokens per example; redrawn to fit its width.

    Examples past the training context get their own bar, marked `over limit`.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "token-histogram--bar",
        "token-histogram--over",
    }

    DEFAULT_CSS = """
    TokenHistogram {
        height: auto;
        padding: 0 1;
        & > .token-histogram--bar { color: $accent; }
        & > .token-histogram--over { color: $text-error; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.bins: list[HistogramBin] = []

    def set_data(self, totals: Sequence[int], limit: int | None) -> None:
        """Show a new distribution (binned once here, not on every repaint)."""
        self.bins = histogram_bins(totals, limit)
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One line per bar plus the title."""
        return len(self.bins) + 1

    def render(self) -> RenderResult:
        """Draw the bars at the current width."""
        if not self.bins:
            return Text("Token histogram: no examples counted yet", style="dim")
        label_width = max(len(b.label) for b in self.bins)
        count_width = max(len(f"{b.count:,}") for b in self.bins)
        bar_room = max(self.size.width - label_width - count_width - 16, 4)
        most = max(b.count for b in self.bins) or 1
        bar_style = self.get_component_rich_style("token-histogram--bar", partial=True)
        over_style = self.get_component_rich_style(
            "token-histogram--over", partial=True
        )
        text = Text("Tokens per example\n", style="bold", end="")
        for item in self.bins:
            filled = item.count * bar_room / most
            bar = "█" * int(filled) + ("▌" if filled - int(filled) >= 0.5 else "")
            if item.count and not bar:
                bar = "▏"
            text.append(f"{item.label:>{label_width}} │")
            text.append(
                f"{bar:<{bar_room}}", style=over_style if item.over_limit else bar_style
            )
            text.append(f" {item.count:>{count_width},}")
            if item.over_limit:
                text.append(" over limit", style=over_style)
            text.append("\n")
        text.rstrip()
        return text


def _money(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value < 0.01 and value > 0:
        return f"${value:.4f}"
    return f"${value:,.2f}"


class CostPanel(SidePanel):
    """Training cost estimate with its settings, and the token distribution.

    Changing the model, epochs, service or tier posts `SettingsChanged`; the
    screen recomputes the estimate (re-counting tokens if the tokenizer
    changes) and calls `show` again.

    | Key | Action |
    | :- | :- |
    | tab / shift+tab | Move between model, epochs, service and tier. |
    | enter (on a select) | Open the choices. |
    | m | Maximize the panel / restore it (when a select has focus). |
    """

    DEFAULT_CSS = """
    CostPanel {
        height: 1fr;
        & > .cost-settings {
            height: auto;
            padding: 0 1;
            & > Label { padding: 0 1 0 0; color: $text-muted; }
            & > Select { width: 1fr; margin-right: 1; }
            & > #cost-provider { width: 20; }
            & > #cost-epochs { width: 10; margin-right: 1; }
        }
        & > VerticalScroll { height: 1fr; }
        & #cost-figures {
            padding: 1 1;
            height: auto;
            &.-error { color: $text-error; }
        }
    }
    """

    @dataclass
    class SettingsChanged(Message):
        """The user changed a cost setting.

        Handle with `on_cost_panel_settings_changed`.
        """

        panel: CostPanel
        """The panel that posted the message."""
        model: str
        """Model id from the model table."""
        epochs: int | str
        """A number of epochs (1-50) or `"auto"`."""
        provider: str
        """`openai` or `azure`."""
        tier: str
        """Azure tier: `standard`, `global` or `developer`."""

        @property
        def control(self) -> CostPanel:
            """The `CostPanel` that posted the message."""
            return self.panel

    def __init__(
        self,
        *,
        model: str | None = None,
        epochs: int | str = "auto",
        provider: str = "openai",
        tier: str = "standard",
        table: ModelTable | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create the panel.

        Args:
            model: Initial model (default: config.toml's default model).
            epochs: Initial epochs, a number or `"auto"`.
            provider: `openai` or `azure`.
            tier: Azure tier.
            table: Model table (default: `load_model_table()`).
            name: Widget name.
            id: Widget id.
            classes: CSS classes.
        """
        super().__init__(name=name, id=id, classes=classes)
        self._error: str | None = None
        try:
            self.table: ModelTable | None = table or load_model_table()
            default = model or load_settings().default_model
        except ConfigError as err:
            self.table, default, self._error = None, model or "", str(err)
        if self.table is not None:
            resolved = self.table.resolve_id(default)
            default = resolved or (self.table.ids[0] if self.table.ids else "")
        self._model = default
        self._epochs: int | str = epochs
        self._provider = provider
        self._tier = tier
        self._last = self.settings

    @property
    def settings(self) -> tuple[str, int | str, str, str]:
        """Current `(model, epochs, provider, tier)`."""
        return (self._model, self._epochs, self._provider, self._tier)

    def compose(self) -> ComposeResult:
        """Settings rows, then the figures and the histogram (scrollable)."""
        ids = self.table.ids if self.table is not None else ()
        with Horizontal(classes="cost-settings"):
            yield Label("Model")
            yield Select(
                [(model_id, model_id) for model_id in ids],
                value=self._model if self._model in ids else Select.NULL,
                allow_blank=not ids,
                compact=True,
                id="cost-model",
            )
            yield Label("Epochs")
            yield Input(
                "" if self._epochs == "auto" else str(self._epochs),
                placeholder="auto",
                compact=True,
                validators=[Function(_valid_epochs, "auto or 1-50")],
                id="cost-epochs",
            )
        with Horizontal(classes="cost-settings"):
            yield Label("Service")
            yield Select(
                PROVIDER_OPTIONS,
                value=self._provider,
                allow_blank=False,
                compact=True,
                id="cost-provider",
            )
            yield Label("Tier")
            yield Select(
                TIER_OPTIONS,
                value=self._tier,
                allow_blank=False,
                compact=True,
                disabled=self._provider != "azure",
                id="cost-tier",
            )
        with VerticalScroll():
            yield Static(
                self._error or "Counting tokens…",
                id="cost-figures",
                markup=False,
                classes="-error" if self._error else "",
            )
            yield TokenHistogram(id="cost-histogram")

    # ------------------------------------------------------------------ settings
    def on_select_changed(self, event: Select.Changed) -> None:
        """Model, service or tier changed."""
        event.stop()
        value = event.value
        if value is Select.NULL:
            return
        if event.select.id == "cost-model":
            self._model = str(value)
        elif event.select.id == "cost-provider":
            self._provider = str(value)
            self.query_one("#cost-tier", Select).disabled = value != "azure"
        elif event.select.id == "cost-tier":
            self._tier = str(value)
        self._post_if_changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Epochs typed: apply as soon as the text is valid."""
        event.stop()
        if event.input.id != "cost-epochs":
            return
        text = event.value.strip() or "auto"
        try:
            epochs = parse_epochs(text)
        except FtuiError:
            return
        self._epochs = epochs
        self._post_if_changed()

    def _post_if_changed(self) -> None:
        # Selects post Changed while mounting too: only real changes matter.
        if self.settings != self._last:
            self._last = self.settings
            model, epochs, provider, tier = self.settings
            self.post_message(
                CostPanel.SettingsChanged(self, model, epochs, provider, tier)
            )

    # ------------------------------------------------------------------ figures
    def show(
        self,
        estimate: CostEstimate,
        totals: Sequence[int],
        exact: bool,
        *,
        trained: int | None = None,
    ) -> None:
        """Display an estimate and the token distribution it came from.

        Args:
            estimate: From `ftui.core.cost.estimate_cost`.
            totals: Tokens of each example (the histogram).
            exact: False when tokens were estimated (no tokenizer files).
            trained: Tokens in trained (weighted) assistant turns, if known.
        """
        figures = self.query_one("#cost-figures", Static)
        figures.remove_class("-error")
        figures.update(self._figures(estimate, exact, trained))
        self.query_one(TokenHistogram).set_data(totals, estimate.training_context)

    def show_error(self, message: str) -> None:
        """Replace the figures with an error (e.g. unknown model in config.toml)."""
        figures = self.query_one("#cost-figures", Static)
        figures.add_class("-error")
        figures.update(Text(message))

    @staticmethod
    def _figures(estimate: CostEstimate, exact: bool, trained: int | None) -> Text:
        text = Text(end="")

        def row(label: str, value: str, note: str = "", style: str = "") -> None:
            text.append(f"{label:<10}", style="bold")
            text.append(value, style=style)
            if note:
                text.append(f"  {note}", style="dim")
            text.append("\n")

        service = "OpenAI"
        if estimate.provider == "azure":
            tier = estimate.tier or ""
            service = f"Azure {_TIER_NAMES.get(tier, tier)}"
        row("Model", estimate.model, service)
        over = estimate.over_limit
        row(
            "Examples",
            f"{estimate.examples:,}",
            f"{over:,} over the {estimate.training_context:,}-token context"
            if over
            else "none over the context",
            style="bold" if over else "",
        )
        tokens = f"{estimate.total_tokens:,} total"
        if trained is not None:
            tokens += f" · {trained:,} trained"
        row("Tokens", tokens)
        row("Epochs", f"{estimate.epochs}", "auto" if estimate.epochs_auto else "")
        # the price is per token in the file: a weight toggle changes the
        # trained tokens but not the $, which looked like a stale estimate
        row(
            "Billed",
            f"{estimate.billed_tokens:,}",
            f"{estimate.billed_tokens_per_epoch:,} per epoch · weight-0 turns too",
        )
        if estimate.price_per_million is None:
            row("Estimate", "price unknown", estimate.price_source, style="bold")
        else:
            notes = [f"{_money(estimate.price_per_million)} / 1M tokens"]
            if estimate.price_uncertain:
                notes.append("(uncertain price)")
            if not exact:
                notes.append("estimated tokens")
            row(
                "Estimate",
                _money(estimate.cost_usd),
                " ".join(notes),
                style="bold",
            )
        if estimate.hosting_per_hour is not None:
            hosting = (
                f"{_money(estimate.hosting_per_day)}/day · "
                f"{_money(estimate.hosting_per_month)}/month"
            )
            note = "per deployment, idle or not"
            if estimate.hosting_uncertain:
                note += " (uncertain price)"
            row("Hosting", hosting, note)
        elif estimate.provider == "azure":
            row("Hosting", "none for this tier")
        if estimate.note:
            text.append(estimate.note, style="dim")
        text.rstrip()
        return text


def _valid_epochs(value: str) -> bool:
    try:
        parse_epochs(value.strip() or "auto")
    except FtuiError:
        return False
    return True
