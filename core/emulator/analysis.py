"""What the emulated service learns from an upload: validity, size, tokens, replies.

Validation and token counts reuse ftui's own engine (`ftui.core.validation`,
`ftui.core.tokens`), imported lazily so the emulator package stays cheap to import.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftui.core.dataset import open_dataset
from ftui.core.jsonl import Record, RecordKind

__all__ = [
    "ChatIndex",
    "FileAnalysis",
    "analyze_file",
    "build_chat_index",
    "count_training_tokens",
]

_MAX_DETAILS = 5
"""How many validation errors `status_details` quotes."""


@dataclass(frozen=True)
class FileAnalysis:
    """The outcome of processing an uploaded fine-tuning file.

    Attributes:
        ok: True when the file passed validation.
        status_details: Why it failed (Azure's `status_details`), else None.
        examples: Number of valid examples.
        format: The validator's dataset format ("chat", "preference", ...).
        chars: Total characters of the examples' raw lines (a size hint).
    """

    ok: bool
    status_details: str | None
    examples: int
    format: str
    chars: int


def analyze_file(path: Path) -> FileAnalysis:
    """Validate an uploaded training/validation file with ftui's validator.

    Args:
        path: The stored upload.

    Returns:
        The analysis; `ok=False` with a readable `status_details` when the
        validator reports errors or the file cannot be read.
    """
    from ftui.core.errors import DatasetError
    from ftui.core.validation import Severity, validate_dataset

    try:
        dataset = open_dataset(path)
    except DatasetError as exc:
        return FileAnalysis(
            False, f"The file could not be read: {exc}", 0, "unknown", 0
        )
    try:
        report = validate_dataset(dataset, file_size=path.stat().st_size)
        chars = sum(len(record.raw) for record in dataset if record.is_example)
    finally:
        dataset.close()
    if report.errors == 0:
        return FileAnalysis(True, None, report.examples, report.format, chars)
    errors = [issue for issue in report.issues if issue.severity == Severity.ERROR]
    quoted = []
    for issue in errors[:_MAX_DETAILS]:
        where = f"line {issue.line}" if issue.line is not None else "file"
        if issue.path:
            where += f" ({issue.path})"
        quoted.append(f"{where}: {issue.message}")
    more = len(errors) - len(quoted)
    details = (
        f"Validation of jsonl data failed: {len(errors)} error(s) in "
        f"{report.lines} line(s). " + "; ".join(quoted)
    )
    if more > 0:
        details += f"; and {more} more."
    return FileAnalysis(False, details, report.examples, report.format, chars)


def count_training_tokens(path: Path, model: str) -> tuple[int, int]:
    """Billable tokens of one pass over a training file, by ftui's own counter.

    Like the service, an example longer than the model's training context is
    truncated, so it counts only up to that limit.

    Args:
        path: The stored training file.
        model: The base model of the job (picks the tokenizer and the limit).

    Returns:
        `(billed_tokens, examples)` summed over the file's examples.
    """
    from ftui.core.errors import ConfigError
    from ftui.core.model_table import load_model_table
    from ftui.core.tokens import count_dataset

    try:
        limit: int | None = load_model_table().lookup(model).training_context
    except ConfigError:  # a model ftui does not know: no truncation
        limit = None
    dataset = open_dataset(path)
    try:
        counts = count_dataset(dataset, model, use_cache=False)
    finally:
        dataset.close()
    totals = [c.total for c in counts.by_row.values()]
    if limit is not None:
        totals = [min(limit, total) for total in totals]
    return sum(totals), len(totals)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _prompt_and_reply(record: Record) -> tuple[str, str] | None:
    data = record.data
    if data is None:
        return None
    if record.kind is RecordKind.PREFERENCE:
        source = data.get("input")
        messages = source.get("messages") if isinstance(source, dict) else None
        outputs = data.get("preferred_output")
        if not isinstance(outputs, list) or not outputs:
            return None
        reply = _text_of(
            outputs[-1].get("content") if isinstance(outputs[-1], dict) else None
        )
    elif record.kind is RecordKind.CHAT:
        messages = data.get("messages")
        if not isinstance(messages, list):
            return None
        last = max(
            (
                i
                for i, m in enumerate(messages)
                if isinstance(m, dict) and m.get("role") == "assistant"
            ),
            default=None,
        )
        if last is None:
            return None
        reply = _text_of(messages[last].get("content"))
        messages = messages[:last]
    else:
        return None
    if not isinstance(messages, list) or not reply:
        return None
    users = [
        _text_of(m.get("content"))
        for m in messages
        if isinstance(m, dict) and m.get("role") == "user"
    ]
    return (users[-1] if users else ""), reply


@dataclass
class ChatIndex:
    """Training prompts (last user message) and the assistant reply each one taught.

    Attributes:
        prompts: Last user message of each usable example.
        replies: The matching final assistant reply.
    """

    prompts: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answer(self, prompt: str) -> str:
        """The reply of the training example whose prompt is most similar.

        Args:
            prompt: The last user message of the chat request.

        Returns:
            The taught reply (a fixed sentence when the file had no usable example).
        """
        from rapidfuzz import fuzz, process, utils

        if not self.prompts:
            return "(The emulated model learned no replies from its training file.)"

        def score(query: str, choice: str, **_: object) -> float:
            # Word overlap decides ("capital of japan" is a subset of the Japan
            # prompt); whole-string similarity breaks ties between subsets.
            return 0.8 * fuzz.token_set_ratio(query, choice) + 0.2 * fuzz.ratio(
                query, choice
            )

        with self._lock:
            match = process.extractOne(
                prompt,
                self.prompts,
                scorer=score,
                processor=utils.default_process,
            )
        index = match[2] if match is not None else 0
        return self.replies[index]


def build_chat_index(path: Path) -> ChatIndex:
    """Index a training file for the emulated chat.

    Args:
        path: The stored training file.

    Returns:
        Prompts and replies of its chat/preference examples.
    """
    index = ChatIndex()
    dataset = open_dataset(path)
    try:
        for record in dataset:
            pair = _prompt_and_reply(record)
            if pair is not None:
                index.prompts.append(pair[0])
                index.replies.append(pair[1])
    finally:
        dataset.close()
    return index
