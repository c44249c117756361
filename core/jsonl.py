"""Lossless JSONL lines: parsing one physical line, indexing a file, atomic writes.

A line that does not parse is never dropped: it becomes a `Record` with an
`error` and its exact bytes, so it can be shown with its line number and written
back untouched.
"""

from __future__ import annotations

import json
import mmap
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from ftui.core.errors import DatasetError, OutputExistsError

__all__ = [
    "BOM",
    "LineError",
    "LineIndex",
    "Record",
    "RecordKind",
    "atomic_write",
    "detect_kind",
    "dump_line",
    "index_lines",
    "parse_line",
    "write_records",
]

BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte order mark; Azure's docs ask for it, its own samples omit it."""

_CHAT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})


class RecordKind(StrEnum):
    """What a line holds, as far as its shape tells."""

    CHAT = "chat"
    """Supervised chat example: `messages` with at least one assistant turn."""
    PREFERENCE = "preference"
    """DPO example: `input.messages`, `preferred_output`, `non_preferred_output`."""
    REINFORCEMENT = "reinforcement"
    """RFT-style row: `messages` without an assistant target, plus grader fields."""
    COMPLETION = "completion"
    """Legacy `prompt`/`completion` row (babbage-002, davinci-002)."""
    UNKNOWN = "unknown"
    """A JSON object of no recognised format."""
    BLANK = "blank"
    """An empty or whitespace-only line."""
    INVALID = "invalid"
    """Not UTF-8, not JSON, or not a JSON object."""


@dataclass(frozen=True, slots=True)
class LineError:
    """Why a physical line is not a JSON object.

    Attributes:
        code: Stable identifier: `invalid_utf8`, `invalid_json` or `not_object`.
        message: Plain-English explanation with a hint on how to fix it.
    """

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Record:
    """One physical line of a JSONL file, kept exactly as read.

    Attributes:
        line: 1-based physical line number in the file as read; `None` for rows
            created in the editor.
        offset: Byte offset of the line's first byte in the file; `None` for new rows.
        raw: The line's bytes without its terminator (and without a leading BOM).
        newline: The terminator read after it: `b"\\n"`, `b"\\r\\n"` or `b""`.
        data: The parsed JSON object, or `None` when the line is blank or invalid.
        error: Why the line did not parse, or `None`.
        kind: The line's format.
    """

    line: int | None
    offset: int | None
    raw: bytes
    newline: bytes
    data: dict[str, Any] | None
    error: LineError | None
    kind: RecordKind

    @property
    def is_example(self) -> bool:
        """True when the line parsed to a JSON object."""
        return self.data is not None

    def text(self) -> str:
        """The raw line decoded for display; undecodable bytes become U+FFFD."""
        return self.raw.decode("utf-8", errors="replace")


def detect_kind(data: dict[str, Any]) -> RecordKind:
    """Classify a parsed JSON object by its top-level shape.

    Args:
        data: A parsed line.

    Returns:
        The format the object looks like; `UNKNOWN` when none fits.
    """
    if "input" in data and (
        "preferred_output" in data or "non_preferred_output" in data
    ):
        return RecordKind.PREFERENCE
    messages = data.get("messages")
    if messages is not None:
        has_assistant = isinstance(messages, list) and any(
            isinstance(m, dict) and m.get("role") == "assistant" for m in messages
        )
        if not has_assistant and set(data) - _CHAT_KEYS:
            return RecordKind.REINFORCEMENT
        return RecordKind.CHAT
    if "prompt" in data and "completion" in data:
        return RecordKind.COMPLETION
    return RecordKind.UNKNOWN


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_line(
    raw: bytes,
    newline: bytes = b"\n",
    line: int | None = None,
    offset: int | None = None,
) -> Record:
    """Parse one physical line into a `Record`; never raises on bad input.

    Args:
        raw: The line's bytes without terminator.
        newline: The terminator that followed it in the file.
        line: 1-based physical line number.
        offset: Byte offset of the line in the file.

    Returns:
        A record holding either the parsed object or the reason it is invalid.
    """
    if not raw.strip():
        return Record(line, offset, raw, newline, None, None, RecordKind.BLANK)
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            error = LineError(
                "invalid_utf8",
                f"byte {bad.start + 1} is not valid UTF-8; re-save the file as UTF-8",
            )
            return Record(line, offset, raw, newline, None, error, RecordKind.INVALID)
        try:  # orjson refuses integers beyond 64 bits that JSON allows
            value = json.loads(text, parse_constant=_reject_constant)
        except ValueError:
            error = LineError("invalid_json", f"not valid JSON: {exc}")
            return Record(line, offset, raw, newline, None, error, RecordKind.INVALID)
    if not isinstance(value, dict):
        kind_name = (
            type(value).__name__.replace("dict", "object").replace("list", "array")
        )
        error = LineError(
            "not_object",
            f"the line is a JSON {kind_name}, not an object; each line must be one "
            '{"messages": [...]} object',
        )
        return Record(line, offset, raw, newline, None, error, RecordKind.INVALID)
    return Record(line, offset, raw, newline, value, None, detect_kind(value))


def dump_line(data: dict[str, Any]) -> bytes:
    """Serialize an edited object compactly, keeping key order and non-ASCII text.

    Args:
        data: The object to write.

    Returns:
        One line of JSON without terminator.
    """
    try:
        return orjson.dumps(data)
    except TypeError:  # integers beyond 64 bits: fall back to the stdlib
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class LineIndex:
    """Where every physical line of a buffer starts and ends.

    Attributes:
        starts: Byte offset of each line's first byte.
        ends: Byte offset just past each line's content (terminator excluded).
        newline_lengths: 0, 1 or 2: the length of each line's terminator.
        bom: Whether the buffer starts with a UTF-8 BOM (excluded from line 1).
    """

    starts: np.ndarray[Any, np.dtype[np.int64]]
    ends: np.ndarray[Any, np.dtype[np.int64]]
    newline_lengths: np.ndarray[Any, np.dtype[np.int8]]
    bom: bool

    def __len__(self) -> int:
        return len(self.starts)


_CHUNK = 64 * 1024 * 1024


def index_lines(buffer: bytes | mmap.mmap) -> LineIndex:
    """Find every physical line in a buffer without parsing it.

    Works in 64 MB chunks with numpy, so a multi-gigabyte file is indexed at
    memory speed while using a few bytes per line.

    Args:
        buffer: The file's bytes (an mmap for large files).

    Returns:
        The line index. A last line without terminator counts as a line.
    """
    size = len(buffer)
    bom = size >= 3 and buffer[:3] == BOM
    newline_positions = []
    for chunk_start in range(0, size, _CHUNK):
        chunk = np.frombuffer(
            buffer,
            dtype=np.uint8,
            count=min(_CHUNK, size - chunk_start),
            offset=chunk_start,
        )
        newline_positions.append(
            np.flatnonzero(chunk == 10).astype(np.int64) + chunk_start
        )
    newlines = (
        np.concatenate(newline_positions)
        if newline_positions
        else np.empty(0, dtype=np.int64)
    )
    first = 3 if bom else 0
    starts = np.concatenate(([first], newlines + 1)).astype(np.int64)
    ends = np.concatenate((newlines, [size])).astype(np.int64)
    newline_lengths = np.ones(len(starts), dtype=np.int8)
    newline_lengths[-1] = 0
    if len(starts) and starts[-1] >= size:  # file ends with a newline: no extra line
        starts, ends, newline_lengths = starts[:-1], ends[:-1], newline_lengths[:-1]
    if len(ends):
        view = np.frombuffer(buffer, dtype=np.uint8) if size else np.empty(0, np.uint8)
        has_content = ends > starts
        before_end = np.where(has_content, ends - 1, 0)
        crlf = has_content & (newline_lengths > 0) & (view[before_end] == 13)
        ends = ends - crlf
        newline_lengths = newline_lengths + crlf.astype(np.int8)
    return LineIndex(starts, ends, newline_lengths, bom)


def atomic_write(
    path: Path, chunks: Iterable[bytes], *, mode: int | None = None
) -> None:
    """Write a file atomically: temp file in the same folder, fsync, rename.

    A crash at any point leaves either the old file or the new one, never a mix.

    Args:
        path: Destination.
        chunks: The bytes to write, in order.
        mode: Permission bits for the new file; by default those of the file it
            replaces, or 0o644.

    Raises:
        DatasetError: The folder is not writable or the disk is full.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise DatasetError(f"cannot write in {folder}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException as exc:
        Path(tmp_name).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DatasetError(f"cannot write {path}: {exc.strerror}") from exc
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _record_bytes(records: Iterable[Record], default_newline: bytes) -> Iterable[bytes]:
    """Yield each record's bytes; every line but the last gets a terminator."""
    previous: Record | None = None
    for record in records:
        if previous is not None:
            yield previous.raw + (previous.newline or default_newline)
        previous = record
    if previous is not None:
        yield previous.raw + previous.newline


def write_records(
    path: Path,
    records: Iterable[Record],
    *,
    bom: bool = False,
    newline: bytes = b"\n",
    overwrite: bool = False,
) -> None:
    """Atomically write records to a new JSONL file, each line exactly as held.

    Args:
        path: Output file.
        records: Lines in output order; their `raw` bytes are written verbatim.
        bom: Start the file with a UTF-8 BOM.
        newline: Terminator for records that have none (a former last line).
        overwrite: Replace `path` if it exists.

    Raises:
        OutputExistsError: `path` exists and `overwrite` is false.
        DatasetError: The file cannot be written.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputExistsError(f"{path} exists; pass --force to overwrite it")

    def chunks() -> Iterable[bytes]:
        if bom:
            yield BOM
        yield from _record_bytes(records, newline)

    atomic_write(path, chunks())
