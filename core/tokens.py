"""Token counts per example, by the OpenAI cookbook method, fast and cached.

Counting rules (`METHOD_VERSION` 1). For a chat example, as in the cookbook's
`num_tokens_from_messages` (reference §6.1)::

    total = Σ_messages [3 + Σ_(key, value) tokens(value) + (1 if key == "name")] + 3

Every string value of a message is encoded (role, content, name, tool_call_id,
refusal, ...). Values the cookbook cannot handle are counted by documented
approximations (the service's exact count is not published):

* list content: `text` parts are encoded; an `image_url` part counts
  `IMAGE_TOKENS_LOW` (85) with `detail: "low"` and `IMAGE_TOKENS_HIGH` (765)
  otherwise: 85 + 170 * 4 tiles, the figure for a 1024x1024 image scaled to
  768x768 and cut into 512 px tiles (the real size is unknown without fetching
  it); any other part is encoded as compact JSON;
* `tool_calls`, `function_call` (messages) and `tools`, `functions` (top level)
  are encoded as compact JSON; other non-string values that are objects or lists
  are encoded the same way; numbers, booleans and null (e.g. `weight`) count 0.

`trained` is the cookbook's assistant count restricted to trained turns: for each
assistant message whose `weight` is not 0, the tokens of its content (text parts)
plus its `tool_calls` / `function_call` JSON; role, name and the per-message 3
are not included.

Preference (DPO) rows: `total` = input messages + every message of both
`preferred_output` and `non_preferred_output` + 3 + input `tools`, i.e. every
token in the line (what the service reads; per-example truncation really applies
to input + one output, so this over-states the length of long pairs);
`trained` = content + tool calls of both outputs. `per_message` lists input,
preferred, then non-preferred messages.
RFT rows: messages as for chat, `trained` = 0. Legacy rows: `per_message` =
(prompt, completion), `total` = their sum, `trained` = completion.

Text is encoded with `encode_ordinary`, so special-token strings such as
"<|endoftext|>" in data count as plain text (the cookbook's `encode` raises).

If the tokenizer cannot be loaded (offline, nothing in TIKTOKEN_CACHE_DIR), every
string counts `ceil(bytes / 4)` and all figures are marked `exact=False`.
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ftui.core.errors import ConfigError
from ftui.core.jsonl import Record, RecordKind, detect_kind, parse_line
from ftui.core.model_table import (
    ModelInfo,
    base_model_name,
    guess_encoding,
    load_model_table,
)
from ftui.core.token_cache import CachedCounts, TokenCache, line_key

if TYPE_CHECKING:
    from ftui.core.dataset import Dataset

__all__ = [
    "APPROX_BYTES_PER_TOKEN",
    "IMAGE_TOKENS_HIGH",
    "IMAGE_TOKENS_LOW",
    "METHOD_VERSION",
    "DatasetTokens",
    "ExampleTokens",
    "TokenCounter",
    "base_model_name",
    "count_dataset",
    "count_records",
    "encoding_name_for",
    "reset_counters",
]

METHOD_VERSION = 1
"""Bumped whenever the counting rules change (invalidates the persistent cache)."""
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_EXAMPLE = 3
"""The cookbook's "every reply is primed with <|start|>assistant<|message|>"."""
IMAGE_TOKENS_LOW = 85
IMAGE_TOKENS_HIGH = 765
APPROX_BYTES_PER_TOKEN = 4
"""Offline estimate; real o200k text runs at ~4.6 bytes per token."""
LOAD_TIMEOUT_S = 30.0
"""tiktoken downloads a missing tokenizer without a timeout: give up after this."""

_ENCODE_CHUNK = 500  # strings per pool task (performance.md: ~500 is the sweet spot)
_ROW_CHUNK = 2000  # rows per pipeline step
_MEMO_BUDGET_CHARS = 32 * 1024 * 1024  # bounds the distinct-string memo's memory
_NOT_EXAMPLE = -1
_STORE_BATCH = 50_000  # cache rows per SQLite transaction


@dataclass(frozen=True, slots=True)
class ExampleTokens:
    """Token counts of one example.

    Attributes:
        total: Tokens of the whole example (what is billed, before capping).
        trained: Tokens of the turns the model learns from.
        per_message: Tokens per message, in order (see the module doc for DPO
            and legacy rows); excludes the final 3 and top-level tools.
        exact: False when counted by the offline estimate.
    """

    total: int
    trained: int
    per_message: tuple[int, ...]
    exact: bool = True


@dataclass
class DatasetTokens:
    """Token counts of a whole dataset.

    Attributes:
        by_row: row_id → counts, for rows that are examples (any recognised format).
        exact: True when every count is exact.
        encoding_name: The tokenizer used.
        warning: Shown once to the user when counts are estimated.
        complete: False when the count was cancelled (then `by_row` is partial).
        skipped_rows: Rows that are not examples (invalid or unrecognised lines).
        blank_rows: Number of blank lines.
        cached_rows: How many rows came from the persistent cache.
    """

    by_row: dict[int, ExampleTokens] = field(default_factory=dict)
    exact: bool = True
    encoding_name: str = ""
    warning: str | None = None
    complete: bool = True
    skipped_rows: list[int] = field(default_factory=list)
    blank_rows: int = 0
    cached_rows: int = 0


# ------------------------------------------------------------------ model → encoding
def encoding_name_for(model: str | ModelInfo) -> str:
    """The tiktoken encoding of a model, mapping fine-tuned names to their base.

    Args:
        model: A model entry, or any model name (alias, `ft:…`, `….ft-…`).

    Returns:
        E.g. `o200k_base` or `cl100k_base`.

    Raises:
        ConfigError: The model is unknown and its family cannot be guessed.
    """
    if isinstance(model, ModelInfo):
        return model.encoding
    table = load_model_table()
    model_id = table.resolve_id(model)
    if model_id is not None:
        return table.lookup(model_id).encoding
    guessed = guess_encoding(model)
    if guessed is None:
        raise ConfigError(
            f"cannot tell which tokenizer {model!r} uses; known models: "
            f"{', '.join(table.ids)}"
        )
    return guessed


# ------------------------------------------------------------------ planning
_Plan = tuple[list[tuple[int, list[int], list[int]]], int, list[int]]
"""(messages as (constant, string refs, trained string refs), extra constant,
extra string refs) — counts are resolved once the strings are encoded."""


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits
        import json

        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_Ref = Callable[[str], int]
"""Interns a string: returns its index in the run's table of distinct strings."""


def _plan_message(
    message: Any, ref: _Ref, memo: dict[str, int], trained: bool | None
) -> tuple[int, list[int], list[int]]:
    """Plan one message; `trained` None = decide from role/weight (chat)."""
    if message.__class__ is not dict:
        return (0, [], [])
    if trained is None:
        trained = message.get("role") == "assistant" and message.get("weight", 1) != 0
    const = TOKENS_PER_MESSAGE
    refs: list[int] = []
    learned: list[int] = []
    lookup = memo.get
    for key, value in message.items():
        if value.__class__ is str:  # the common case, kept cheap: no call if known
            index = lookup(value)
            if index is None:
                index = ref(value)
            refs.append(index)
            if key == "name":
                const += TOKENS_PER_NAME
            elif trained and key == "content":
                learned.append(index)
        elif value is None or isinstance(value, bool | int | float):
            continue
        elif key == "content" and isinstance(value, list):
            for part in value:
                if isinstance(part, dict) and part.get("type") == "text":
                    text = part.get("text")
                    index = ref(text if isinstance(text, str) else _json(text))
                elif isinstance(part, dict) and part.get("type") == "image_url":
                    image = part.get("image_url")
                    detail = image.get("detail") if isinstance(image, dict) else None
                    const += IMAGE_TOKENS_LOW if detail == "low" else IMAGE_TOKENS_HIGH
                    continue
                elif isinstance(part, str):
                    index = ref(part)
                else:
                    index = ref(_json(part))
                refs.append(index)
                if trained:
                    learned.append(index)
        else:
            index = ref(value if isinstance(value, str) else _json(value))
            refs.append(index)
            if trained and key in ("tool_calls", "function_call"):
                learned.append(index)
    return (const, refs, learned)


def _plan_messages(
    messages: Any, ref: _Ref, memo: dict[str, int], trained: bool | None
) -> list[tuple[int, list[int], list[int]]]:
    if not isinstance(messages, list):
        return []
    return [_plan_message(message, ref, memo, trained) for message in messages]


def _plan_tools(container: dict[str, Any], ref: _Ref) -> list[int]:
    refs = []
    for key in ("tools", "functions"):
        value = container.get(key)
        if value is not None:
            refs.append(ref(value if isinstance(value, str) else _json(value)))
    return refs


def _plan(
    data: dict[str, Any], kind: RecordKind, ref: _Ref, memo: dict[str, int]
) -> _Plan | None:
    """Plan the count of one parsed line; `None` when it is not an example.

    Args:
        data: The parsed line.
        kind: Its format.
        ref: Interns a string (see `_Ref`).
        memo: The interning table `ref` fills (read directly on the hot path).
    """
    if kind in (RecordKind.CHAT, RecordKind.REINFORCEMENT):
        trained = False if kind is RecordKind.REINFORCEMENT else None
        messages = _plan_messages(data.get("messages"), ref, memo, trained)
        return (messages, TOKENS_PER_EXAMPLE, _plan_tools(data, ref))
    if kind is RecordKind.PREFERENCE:
        source = data.get("input")
        source = source if isinstance(source, dict) else {}
        messages = _plan_messages(source.get("messages"), ref, memo, False)
        messages += _plan_messages(data.get("preferred_output"), ref, memo, True)
        messages += _plan_messages(data.get("non_preferred_output"), ref, memo, True)
        return (messages, TOKENS_PER_EXAMPLE, _plan_tools(source, ref))
    if kind is RecordKind.COMPLETION:
        prompt, completion = data.get("prompt"), data.get("completion")
        p = ref(prompt if isinstance(prompt, str) else _json(prompt))
        c = ref(completion if isinstance(completion, str) else _json(completion))
        return ([(0, [p], []), (0, [c], [c])], 0, [])
    return None


def _resolve(plan: _Plan, counts: Any, exact: bool) -> ExampleTokens:
    messages, total, extra_refs = plan
    per_message = []
    trained = 0
    for const, refs, learned in messages:
        tokens = const
        for index in refs:
            tokens += counts[index]
        per_message.append(tokens)
        total += tokens
        for index in learned:
            trained += counts[index]
    for index in extra_refs:
        total += counts[index]
    return ExampleTokens(total, trained, tuple(per_message), exact)


# ------------------------------------------------------------------ encodings
_counters: dict[str, TokenCounter] = {}
_counters_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _encode_pool() -> ThreadPoolExecutor:
    """The long-lived pool of 2 encoder threads (tiktoken releases the GIL).

    A new pool per call, as tiktoken's own batch API does, costs more than it
    gains (performance.md), so one pool lives for the whole process.
    """
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ftui-tokens")
        return _pool


_caches: dict[Path, TokenCache] = {}


def _default_cache() -> TokenCache:
    """The shared cache in `cache_dir()` (one SQLite connection per folder)."""
    cache = TokenCache()
    with _counters_lock:
        return _caches.setdefault(cache.path, cache)


def reset_counters() -> None:
    """Forget loaded tokenizers and load failures (tests; after fixing the cache)."""
    with _counters_lock:
        _counters.clear()


def _load_encoding(name: str) -> tuple[Any, str | None]:
    """Load a tiktoken encoding; `(None, reason)` when it cannot be loaded."""
    outcome: dict[str, Any] = {}

    def load() -> None:
        try:
            import tiktoken

            outcome["encoding"] = tiktoken.get_encoding(name)
        except BaseException as exc:  # tiktoken raises requests/OS/Value errors
            outcome["error"] = exc

    # A thread, because tiktoken's download has no timeout and could hang
    # forever on a network that drops packets.
    thread = threading.Thread(target=load, name=f"ftui-load-{name}", daemon=True)
    thread.start()
    thread.join(LOAD_TIMEOUT_S)
    if "encoding" in outcome:
        return outcome["encoding"], None
    error = outcome.get("error")
    if error is None:
        return None, f"loading it took more than {LOAD_TIMEOUT_S:.0f} s"
    reason = f"{type(error).__name__}: {error}".splitlines()[0]
    return None, reason if len(reason) <= 120 else reason[:119] + "…"


def _length_function(encoding: Any) -> Callable[[str], int]:
    """The fastest way to count a string's tokens with a tiktoken encoding.

    `encode_ordinary` builds a Python list of ints only to take its length;
    tiktoken's buffer encoder (what `encode_to_numpy` uses) skips that and costs
    ~8% less CPU here. It is private API, so it is checked against
    `encode_ordinary` once and not used if absent or different.
    """
    encode_ordinary = encoding.encode_ordinary
    core = getattr(encoding, "_core_bpe", None)
    to_buffer = getattr(core, "encode_to_tiktoken_buffer", None)
    if to_buffer is None:
        return lambda text: len(encode_ordinary(text))
    no_special: set[str] = set()

    def length(text: str) -> int:
        try:
            return memoryview(to_buffer(text, no_special)).nbytes >> 2
        except UnicodeEncodeError:  # lone surrogates: tiktoken's own fix-up path
            return len(encode_ordinary(text))

    try:
        for sample in (
            "Hello, world! <|endoftext|> 123",
            "naïve café ☕ 日本語\n\n  x",
        ):
            if length(sample) != len(encode_ordinary(sample)):
                return lambda text: len(encode_ordinary(text))
    except Exception:
        return lambda text: len(encode_ordinary(text))
    return length


_SEPARATOR = "<|endoftext|>"


def _batch_function(encoding: Any) -> Callable[[list[str]], list[int]] | None:
    """Count many strings in ONE tokenizer call, or `None` if not possible.

    The strings are joined with "<|endoftext|>" allowed as a special token;
    tiktoken encodes the text between two special tokens on its own, so the
    distance between separators in the output is each string's count. One call
    per batch means the GIL is taken once per batch instead of once per string,
    which lets the encoder threads run while Python parses the next chunk.
    Checked against `encode_ordinary` once; strings that contain the separator
    text are counted one by one.
    """
    core = getattr(encoding, "_core_bpe", None)
    to_buffer = getattr(core, "encode_to_tiktoken_buffer", None)
    special: set[str] = getattr(encoding, "special_tokens_set", set())
    if to_buffer is None or _SEPARATOR not in special:
        return None
    separator_id = encoding.encode_single_token(_SEPARATOR)
    allowed = {_SEPARATOR}
    encode_ordinary = encoding.encode_ordinary

    def batch(texts: list[str]) -> list[int]:
        if any(_SEPARATOR in text for text in texts):
            return [len(encode_ordinary(text)) for text in texts]
        try:
            joined = _SEPARATOR.join(texts) + _SEPARATOR
            ids = np.frombuffer(to_buffer(joined, allowed), dtype=np.uint32)
        except UnicodeEncodeError:  # lone surrogates: tiktoken's own fix-up path
            return [len(encode_ordinary(text)) for text in texts]
        ends = np.flatnonzero(ids == separator_id)
        counts: list[int] = (np.diff(ends, prepend=-1) - 1).tolist()
        if len(counts) != len(texts):  # cannot happen; never trust it blindly
            return [len(encode_ordinary(text)) for text in texts]
        return counts

    samples = [
        "Hello, world!",
        "",
        "  trailing spaces  ",
        "\n\nnew lines\n",
        "naïve café ☕ 日本語",
        "<|fim_prefix|> 's 'll 123456",
        " ",
    ]
    try:
        if batch(samples) != [len(encode_ordinary(text)) for text in samples]:
            return None
    except Exception:
        return None
    return batch


class TokenCounter:
    """Counts tokens with one tiktoken encoding, or estimates them offline.

    Get instances with `for_model` / `for_encoding` (they are shared: loading a
    tokenizer takes about a second).
    """

    def __init__(self, encoding_name: str, encoding: Any, warning: str | None) -> None:
        self.encoding_name = encoding_name
        """The tiktoken encoding name."""
        self._encoding = encoding
        self._length = _length_function(encoding) if encoding is not None else None
        self._batch = _batch_function(encoding) if encoding is not None else None
        self.batched = self._batch is not None
        """True when many strings are counted in one tokenizer call."""
        self.exact = encoding is not None
        """False when counts are estimates (tokenizer not available)."""
        self.warning = warning
        """Why counts are estimates (with the TIKTOKEN_CACHE_DIR hint), or None."""
        self._memo: dict[str, int] = {}

    @classmethod
    def for_encoding(cls, encoding_name: str) -> TokenCounter:
        """The shared counter for an encoding (loaded on first use).

        Never raises: if the tokenizer cannot be loaded the counter estimates.
        """
        with _counters_lock:
            counter = _counters.get(encoding_name)
            if counter is None:
                encoding, reason = _load_encoding(encoding_name)
                warning = None
                if encoding is None:
                    warning = (
                        f"could not load the {encoding_name} tokenizer ({reason}); "
                        f"token counts are estimates (~{APPROX_BYTES_PER_TOKEN} bytes "
                        "per token). To count exactly offline, set TIKTOKEN_CACHE_DIR "
                        "to a folder holding the tiktoken files (see the README)."
                    )
                counter = cls(encoding_name, encoding, warning)
                _counters[encoding_name] = counter
            return counter

    @classmethod
    def for_model(cls, model: str | ModelInfo) -> TokenCounter:
        """The counter for a model's encoding (`ft:` / `.ft-` names map to the base).

        Raises:
            ConfigError: The model's encoding cannot be determined.
        """
        return cls.for_encoding(encoding_name_for(model))

    @property
    def cache_key(self) -> str:
        """Key of this counter's results in the persistent cache."""
        return f"{self.encoding_name}/m{METHOD_VERSION}"

    def _count_uncached(self, text: str) -> int:
        if self._length is None:
            return math.ceil(
                len(text.encode("utf-8", "surrogatepass")) / APPROX_BYTES_PER_TOKEN
            )
        return self._length(text)

    def count_many(self, texts: list[str]) -> list[int]:
        """Token counts of several strings, on the calling thread."""
        if self._batch is not None:
            return self._batch(texts)
        if self._length is None:
            return [self._count_uncached(text) for text in texts]
        length = self._length
        return [length(text) for text in texts]

    def count_text(self, text: str) -> int:
        """Tokens in a string (memoized: system prompts repeat).

        Args:
            text: Any text.

        Returns:
            The number of tokens (an estimate if `exact` is False).
        """
        count = self._memo.get(text)
        if count is None:
            count = self._count_uncached(text)
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[text] = count
        return count

    def count_data(self, data: dict[str, Any]) -> ExampleTokens | None:
        """Counts for a parsed line; `None` when it is not an example."""
        texts: list[str] = []
        memo: dict[str, int] = {}

        def ref(text: str) -> int:
            index = memo.get(text)
            if index is None:
                index = memo[text] = len(texts)
                texts.append(text)
            return index

        plan = _plan(data, detect_kind(data), ref, memo)
        if plan is None:
            return None
        counts = [self.count_text(text) for text in texts]
        return _resolve(plan, counts, self.exact)

    def count_record(self, record: Record) -> ExampleTokens | None:
        """Counts for one line; `None` for blank, invalid or unrecognised lines.

        Args:
            record: A line from `ftui.core.jsonl` / `Dataset`.

        Returns:
            The example's counts, or None.
        """
        if record.data is None:
            return None
        return self.count_data(record.data)


# ------------------------------------------------------------------ whole datasets
def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class _Step:
    """One chunk of rows: planned, its new strings submitted to the pool."""

    plans: list[tuple[int, bytes, _Plan]]
    futures: list[tuple[int, Future[list[int]]]]


class _Counting:
    """State of one `count_dataset` run: distinct strings and the encode pipeline."""

    def __init__(self, counter: TokenCounter) -> None:
        self.counter = counter
        self.counts: list[int] = []  # counts of distinct strings, by ref
        self.memo: dict[str, int] = {}  # string → ref (bounded by _MEMO_BUDGET_CHARS)
        self.memo_chars = 0
        self.pending: list[str] = []

    def ref(self, text: str) -> int:
        index = self.memo.get(text)
        if index is None:
            if self.memo_chars > _MEMO_BUDGET_CHARS:
                self.memo.clear()
                self.memo_chars = 0
            index = len(self.counts)
            self.counts.append(-1)
            self.pending.append(text)
            self.memo[text] = index
            self.memo_chars += len(text)
        return index

    def submit(self, plans: list[tuple[int, bytes, _Plan]]) -> _Step:
        texts, self.pending = self.pending, []
        first = len(self.counts) - len(texts)
        futures: list[tuple[int, Future[list[int]]]] = []
        if self.counter.exact and len(texts) > _ENCODE_CHUNK // 4:
            pool = _encode_pool()
            for start in range(0, len(texts), _ENCODE_CHUNK):
                part = texts[start : start + _ENCODE_CHUNK]
                future = pool.submit(self.counter.count_many, part)
                futures.append((first + start, future))
        else:
            done: Future[list[int]] = Future()
            done.set_result(self.counter.count_many(texts))
            futures.append((first, done))
        return _Step(plans, futures)

    def finish(
        self, step: _Step, by_row: dict[int, ExampleTokens]
    ) -> list[tuple[bytes, CachedCounts]]:
        """Wait for a chunk's strings, store its rows; returns new cache entries."""
        counts = self.counts
        for first, future in step.futures:
            values = future.result()
            counts[first : first + len(values)] = values
        exact = self.counter.exact
        new: list[tuple[bytes, CachedCounts]] = []
        for row_id, key, plan in step.plans:
            tokens = _resolve(plan, counts, exact)
            by_row[row_id] = tokens
            new.append((key, (tokens.total, tokens.trained, tokens.per_message)))
        return new if exact else []


_SNAPSHOT_MAGIC = b"FTK1"
_BLANK = -2


def _file_key(dataset: Dataset, exact_key: str) -> str | None:
    """Key of the whole-file snapshot; `None` when the dataset has edits."""
    fingerprint = dataset.fingerprint
    path = dataset.path
    if fingerprint is None or path is None or not dataset.pristine:
        return None
    try:
        where = Path(path).resolve()
    except OSError:
        return None
    return (
        f"{exact_key}|{where}|{fingerprint.size}|{fingerprint.mtime_ns}|"
        f"{fingerprint.inode}"
    )


def _encode_snapshot(result: DatasetTokens, rows: int) -> bytes:
    totals = np.full(rows, _BLANK, dtype=np.int64)
    trained = np.zeros(rows, dtype=np.int64)
    lengths = np.zeros(rows, dtype=np.uint32)
    totals[result.skipped_rows] = _NOT_EXAMPLE
    per: list[int] = []
    for row_id in sorted(result.by_row):
        tokens = result.by_row[row_id]
        totals[row_id] = tokens.total
        trained[row_id] = tokens.trained
        lengths[row_id] = len(tokens.per_message)
        per.extend(tokens.per_message)
    values = np.asarray(per, dtype=np.uint32)
    header = _SNAPSHOT_MAGIC + np.asarray([rows, len(values)], np.uint64).tobytes()
    return b"".join(
        (
            header,
            totals.tobytes(),
            trained.tobytes(),
            lengths.tobytes(),
            values.tobytes(),
        )
    )


def _decode_snapshot(blob: bytes, rows: int) -> DatasetTokens | None:
    if blob[:4] != _SNAPSHOT_MAGIC or len(blob) < 20:
        return None
    count, n_values = np.frombuffer(blob, np.uint64, 2, 4).tolist()
    if count != rows or len(blob) != 20 + rows * 20 + n_values * 4:
        return None
    offset = 20
    totals = np.frombuffer(blob, np.int64, rows, offset).tolist()
    offset += rows * 8
    trained = np.frombuffer(blob, np.int64, rows, offset).tolist()
    offset += rows * 8
    lengths = np.frombuffer(blob, np.uint32, rows, offset).tolist()
    offset += rows * 4
    values = np.frombuffer(blob, np.uint32, n_values, offset).tolist()
    result = DatasetTokens(cached_rows=rows)
    by_row = result.by_row
    position = 0
    for row_id, total in enumerate(totals):
        if total >= 0:
            end = position + lengths[row_id]
            by_row[row_id] = ExampleTokens(
                total, trained[row_id], tuple(values[position:end]), True
            )
            position = end
        elif total == _NOT_EXAMPLE:
            result.skipped_rows.append(row_id)
        else:
            result.blank_rows += 1
    return result


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (counting builds no reference cycles).

    A count allocates millions of small containers; the collector's repeated
    passes over them cost ~40% of the parsing time at 100k rows (measured).
    Reference counting still frees everything. If another thread paused it too,
    whoever had it enabled turns it back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def count_dataset(
    dataset: Dataset,
    model: str | ModelInfo,
    *,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    use_cache: bool = True,
    cache: TokenCache | None = None,
) -> DatasetTokens:
    """Count the tokens of every example in a dataset.

    Each distinct string is encoded once, on a long-lived pool of 2 threads that
    encodes one chunk of rows while the next is parsed. Results go to a
    persistent cache per line (content hash + encoding) and, for an unedited
    file, as one snapshot per file version, so a reopened file is read back
    without hashing or loading the tokenizer.

    Args:
        dataset: The rows to count (edited rows count as edited).
        model: Model entry or name; decides the encoding.
        progress: Called with `(rows done, rows total)` after each chunk.
        should_stop: Polled between chunks; return True to cancel.
        use_cache: Read and write the persistent cache.
        cache: Cache to use instead of the default file in `cache_dir()`.

    Returns:
        Counts by row id. If cancelled, `complete` is False and `by_row` partial.
        If the tokenizer cannot be loaded, counts are estimates (`exact` False,
        `warning` set).

    Raises:
        ConfigError: The model's encoding cannot be determined.
    """
    encoding_name = encoding_name_for(model)
    with _gc_paused():
        return _count_dataset(
            dataset, encoding_name, progress, should_stop, use_cache, cache
        )


def _count_dataset(
    dataset: Dataset,
    encoding_name: str,
    progress: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None,
    use_cache: bool,
    cache: TokenCache | None,
) -> DatasetTokens:
    store = (cache if cache is not None else _default_cache()) if use_cache else None
    exact_key = f"{encoding_name}/m{METHOD_VERSION}"
    total_rows = len(dataset)
    file_key = _file_key(dataset, exact_key) if store is not None else None
    if store is not None and file_key is not None:
        blob = store.get_file(file_key)
        snapshot = _decode_snapshot(blob, total_rows) if blob else None
        if snapshot is not None:
            snapshot.encoding_name = encoding_name
            if progress is not None:
                progress(total_rows, total_rows)
            return snapshot
    result = DatasetTokens(encoding_name=encoding_name)
    by_row = result.by_row
    run: _Counting | None = None
    previous: _Step | None = None
    to_store: list[tuple[bytes, CachedCounts]] = []  # written in few transactions
    done_rows = 0
    for chunk in _chunks(dataset.raw_rows(), _ROW_CHUNK):
        if should_stop is not None and should_stop():
            result.complete = False
            break
        keys = [line_key(raw) for _, raw, _ in chunk]
        hits = store.get_many(exact_key, keys) if store is not None else {}
        plans: list[tuple[int, bytes, _Plan]] = []
        not_examples: list[tuple[bytes, CachedCounts]] = []
        for (row_id, raw, record), key in zip(chunk, keys, strict=True):
            hit = hits.get(key)
            if hit is not None:
                result.cached_rows += 1
                if hit[0] == _NOT_EXAMPLE:
                    result.skipped_rows.append(row_id)
                else:
                    by_row[row_id] = ExampleTokens(hit[0], hit[1], hit[2], True)
                continue
            if record is not None:
                data = record.data
                is_blank = record.kind is RecordKind.BLANK
            else:
                is_blank = not raw.strip()
                data = None
                if not is_blank:
                    try:
                        data = orjson.loads(raw)
                    except orjson.JSONDecodeError:
                        data = parse_line(raw).data  # the lenient path (big integers)
            if is_blank:
                result.blank_rows += 1
                continue
            if run is None:  # first miss: only now is the tokenizer needed
                run = _Counting(TokenCounter.for_encoding(encoding_name))
                result.warning = run.counter.warning
            plan = None
            if isinstance(data, dict):
                plan = _plan(data, detect_kind(data), run.ref, run.memo)
            if plan is None:
                result.skipped_rows.append(row_id)
                not_examples.append((key, (_NOT_EXAMPLE, 0, ())))
                continue
            plans.append((row_id, key, plan))
        to_store.extend(not_examples)
        if run is not None and (plans or run.pending):
            step = run.submit(plans)
            if previous is not None:
                to_store.extend(run.finish(previous, by_row))
                previous = None
            if run.counter.batched:
                # Encode this chunk while the next one is parsed: one tokenizer
                # call per batch leaves the GIL to this thread meanwhile.
                previous = step
            else:
                # One call per string: the encoder threads would hardly get the
                # GIL back while this thread runs Python (measured 7x slower).
                to_store.extend(run.finish(step, by_row))
        if store is not None and len(to_store) >= _STORE_BATCH:
            store.put_many(exact_key, to_store)
            to_store = []
        done_rows += len(chunk)
        if progress is not None:
            in_flight = len(previous.plans) if previous is not None else 0
            progress(done_rows - in_flight, total_rows)
    if previous is not None:
        if result.complete:
            assert run is not None
            to_store.extend(run.finish(previous, by_row))
        else:
            for _, future in previous.futures:
                future.cancel()
    if store is not None and to_store:
        store.put_many(exact_key, to_store)
    if result.complete and progress is not None:
        progress(total_rows, total_rows)
    result.exact = all(tokens.exact for tokens in by_row.values())
    if run is not None and not run.counter.exact:
        result.exact = False
    if store is not None and file_key is not None and result.complete and result.exact:
        store.put_file(file_key, _encode_snapshot(result, total_rows))
    return result


def count_records(
    records: Iterable[Record], model: str | ModelInfo
) -> list[ExampleTokens | None]:
    """Count a few records without the cache (e.g. rows being edited).

    Args:
        records: Lines to count.
        model: Model entry or name.

    Returns:
        One entry per record; `None` for lines that are not examples.
    """
    counter = TokenCounter.for_model(model)
    return [counter.count_record(record) for record in records]
