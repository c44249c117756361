"""A JSONL dataset held as its raw bytes plus a line index, with edits and undo.

Rows the user has not changed are never held as objects: a row is parsed when
asked for, from the file's bytes (read into memory, or memory-mapped above
`MMAP_THRESHOLD`). That keeps a million-row file at a few bytes per row on top
of the file, and guarantees untouched lines are written back byte for byte.

Every row has a stable integer id: source rows are numbered from 0 in file
order, rows added later get ids past the end. Positions change when rows are
inserted or deleted; ids never do, so the UI can key per-row results by id.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftui.core.errors import DatasetError, FileChangedError, SourceRewrittenError
from ftui.core.jsonl import (
    BOM,
    LineIndex,
    Record,
    atomic_write,
    dump_line,
    index_lines,
    parse_line,
    write_records,
)

__all__ = ["MMAP_THRESHOLD", "Dataset", "Edit", "FileFingerprint", "open_dataset"]

MMAP_THRESHOLD = 512 * 1024 * 1024
"""Files up to this size (the services' upload limit) are read into memory, so
nothing another program does to the file can change what ftui holds; larger
files are memory-mapped and rows are read from the map."""

_NEWLINES = (b"", b"\n", b"\r\n")


@dataclass(frozen=True, slots=True)
class FileFingerprint:
    """What identifies the version of a file on disk (to detect outside changes)."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileFingerprint:
        """Fingerprint the file at `path` as it is now."""
        stat = path.stat()
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ino)


@dataclass(slots=True)
class Edit:
    """One undoable change, made of primitive steps applied in order.

    Each step is `("put", row_id, before, after)` for a row's content (`None`
    meaning "as in the file"), `("insert", position, row_id)` or
    `("delete", position, row_id)`.
    """

    label: str
    steps: list[tuple[Any, ...]] = field(default_factory=list)


class Dataset:
    """An ordered, editable view of a JSONL file.

    Use `open_dataset` to read a file, `Dataset.from_records` for data built
    in memory.
    """

    def __init__(
        self,
        path: Path | None,
        buffer: bytes | mmap.mmap,
        index: LineIndex,
        fingerprint: FileFingerprint | None,
    ) -> None:
        self.path = path
        """The file this dataset was read from (the default target of `save`)."""
        self.bom = index.bom
        """Whether the file starts with a UTF-8 BOM (kept on save)."""
        self.fingerprint = fingerprint
        """The file's identity when it was read or last saved."""
        self._buffer = buffer
        self._index = index
        self._source_count = len(index)
        self._rows: list[int] = list(range(self._source_count))
        self._overrides: dict[int, Record] = {}
        self._next_id = self._source_count
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self.version = 0
        """Increases with every change, undo and redo (for dropping stale results)."""
        self._saved_state = self._undo_state()
        self.newline = self._dominant_newline()
        """Terminator used for edited and new lines: the file's own style."""

    # ------------------------------------------------------------------ reading
    @classmethod
    def from_records(
        cls, records: Iterable[Record], path: Path | None = None
    ) -> Dataset:
        """Build a dataset from records in memory (tests, generated data).

        Args:
            records: Lines in order.
            path: Where `save` writes by default.
        """
        dataset = cls(path, b"", index_lines(b""), None)
        for record in records:
            row_id = dataset._new_id()
            dataset._overrides[row_id] = record
            dataset._rows.append(row_id)
        return dataset

    def _dominant_newline(self) -> bytes:
        lengths = self._index.newline_lengths
        if len(lengths) and (lengths == 2).sum() > (lengths == 1).sum():
            return b"\r\n"
        return b"\n"

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def row_ids(self) -> Sequence[int]:
        """Row ids in display order (read-only view)."""
        return tuple(self._rows)

    def row_id(self, position: int) -> int:
        """The stable id of the row at `position`."""
        return self._rows[position]

    def position_of(self, row_id: int) -> int:
        """Current position of a row id (linear: use sparingly on large files).

        Raises:
            ValueError: The row is not in the dataset (deleted).
        """
        # with no inserts or deletes before it a source row sits at its own id
        if row_id < len(self._rows) and self._rows[row_id] == row_id:
            return row_id
        return self._rows.index(row_id)

    def source_record(self, row_id: int) -> Record:
        """The row as it is in the file, ignoring edits."""
        start = int(self._index.starts[row_id])
        end = int(self._index.ends[row_id])
        newline = _NEWLINES[int(self._index.newline_lengths[row_id])]
        return parse_line(bytes(self._buffer[start:end]), newline, row_id + 1, start)

    def record(self, row_id: int) -> Record:
        """The current content of a row, by id."""
        override = self._overrides.get(row_id)
        if override is not None:
            return override
        return self.source_record(row_id)

    def record_at(self, position: int) -> Record:
        """The current content of the row at `position`."""
        return self.record(self._rows[position])

    def __iter__(self) -> Iterator[Record]:
        for row_id in self._rows:
            yield self.record(row_id)

    def items(self) -> Iterator[tuple[int, Record]]:
        """Yield `(row_id, record)` for every row, in order, parsing as it goes."""
        for row_id in self._rows:
            yield row_id, self.record(row_id)

    def raw_rows(self) -> Iterator[tuple[int, bytes, Record | None]]:
        """Yield `(row_id, raw bytes, record or None)` for every row, in order.

        Unedited rows come straight from the file without being parsed (the
        record is `None`); edited and new rows come with their record. For
        consumers that key work by line content, such as the token cache.
        """
        starts = self._index.starts.tolist()
        ends = self._index.ends.tolist()
        for row_id in self._rows:
            record = self._overrides.get(row_id)
            if record is not None:
                yield row_id, record.raw, record
            else:
                yield row_id, bytes(self._buffer[starts[row_id] : ends[row_id]]), None

    @property
    def pristine(self) -> bool:
        """True when every row is exactly as in the file (nothing edited, added
        or deleted, even if later undone)."""
        return not self._overrides and len(self._rows) == self._source_count

    def is_edited(self, row_id: int) -> bool:
        """True when a row differs from the file (edited or new)."""
        return row_id in self._overrides

    def _undo_state(self) -> tuple[int, Edit | None]:
        """Identifies the content reached by the edits applied so far."""
        return (len(self._undo), self._undo[-1] if self._undo else None)

    @property
    def modified(self) -> bool:
        """True when there are changes not yet saved."""
        depth, top = self._undo_state()
        saved_depth, saved_top = self._saved_state
        return depth != saved_depth or top is not saved_top

    @property
    def source_size(self) -> int:
        """Size in bytes of the file as read."""
        return len(self._buffer)

    # ------------------------------------------------------------------ editing
    def _new_id(self) -> int:
        row_id = self._next_id
        self._next_id += 1
        return row_id

    def _make_record(self, row_id: int, data: dict[str, Any]) -> Record:
        base = self._overrides.get(row_id)
        line = offset = None
        if row_id < self._source_count:
            line, offset = row_id + 1, int(self._index.starts[row_id])
        elif base is not None:
            line, offset = base.line, base.offset
        newline = base.newline if base is not None else b""
        if row_id < self._source_count and base is None:
            newline = _NEWLINES[int(self._index.newline_lengths[row_id])]
        return parse_line(dump_line(data), newline or self.newline, line, offset)

    def _put(self, row_id: int, record: Record | None) -> None:
        if record is None:
            self._overrides.pop(row_id, None)
        else:
            self._overrides[row_id] = record

    def _apply(self, steps: Iterable[tuple[Any, ...]], *, reverse: bool) -> None:
        ordered = reversed(list(steps)) if reverse else steps
        for step in ordered:
            kind = step[0]
            if kind == "put":
                _, row_id, before, after = step
                self._put(row_id, before if reverse else after)
            elif (kind == "insert") != reverse:
                _, position, row_id = step
                self._rows.insert(position, row_id)
            else:
                _, position, row_id = step
                del self._rows[position]

    def _commit(self, edit: Edit) -> Edit:
        self._apply(edit.steps, reverse=False)
        self._undo.append(edit)
        self._redo.clear()
        self.version += 1
        return edit

    def set_data(self, row_id: int, data: dict[str, Any], label: str = "edit") -> Edit:
        """Replace a row's content with a new object.

        Args:
            row_id: The row to change.
            data: Its new content; serialized compactly on save.
            label: What the change was, for the undo list.

        Returns:
            The recorded edit.
        """
        return self.set_many({row_id: data}, label)

    def set_many(self, changes: dict[int, dict[str, Any]], label: str) -> Edit:
        """Replace several rows' contents as one undoable edit."""
        edit = Edit(label)
        for row_id, data in changes.items():
            before = self._overrides.get(row_id)
            edit.steps.append(("put", row_id, before, self._make_record(row_id, data)))
        return self._commit(edit)

    def set_raw(self, row_id: int, text: str, label: str = "edit raw line") -> Edit:
        """Replace a row's bytes with `text` as typed (used to repair invalid lines).

        The text is kept exactly, whether or not it parses.
        """
        before = self._overrides.get(row_id)
        current = self.record(row_id)
        raw = text.replace("\r", "").replace("\n", " ").encode("utf-8")
        record = parse_line(
            raw, current.newline or self.newline, current.line, current.offset
        )
        return self._commit(Edit(label, [("put", row_id, before, record)]))

    def insert(
        self, position: int, data: dict[str, Any], label: str = "add example"
    ) -> int:
        """Insert a new row at `position`; returns its id."""
        row_id = self._new_id()
        record = parse_line(dump_line(data), self.newline)
        self._commit(
            Edit(label, [("put", row_id, None, record), ("insert", position, row_id)])
        )
        return row_id

    def delete(self, row_ids: Iterable[int], label: str = "delete") -> Edit:
        """Remove rows (by id) as one undoable edit."""
        doomed = set(row_ids)
        edit = Edit(label)
        # delete from the end so recorded positions stay valid during undo
        for position in range(len(self._rows) - 1, -1, -1):
            if self._rows[position] in doomed:
                edit.steps.append(("delete", position, self._rows[position]))
        return self._commit(edit)

    def duplicate(self, row_id: int) -> int:
        """Insert a copy of a row right after it; returns the copy's id."""
        record = self.record(row_id)
        new_id = self._new_id()
        copy = parse_line(record.raw, record.newline or self.newline)
        position = self.position_of(row_id) + 1
        self._commit(
            Edit(
                "duplicate example",
                [("put", new_id, None, copy), ("insert", position, new_id)],
            )
        )
        return new_id

    def begin_batch(self, label: str) -> _Batch:
        """Group several edits into one undo step: `with dataset.begin_batch("x"):`."""
        return _Batch(self, label)

    @property
    def can_undo(self) -> bool:
        """True when there is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """True when there is an undone edit to redo."""
        return bool(self._redo)

    def undo(self) -> Edit | None:
        """Revert the last edit; returns it, or `None` when there is nothing to undo."""
        if not self._undo:
            return None
        edit = self._undo.pop()
        self._apply(edit.steps, reverse=True)
        self._redo.append(edit)
        self.version += 1
        return edit

    def redo(self) -> Edit | None:
        """Re-apply the last undone edit; returns it, or `None`."""
        if not self._redo:
            return None
        edit = self._redo.pop()
        self._apply(edit.steps, reverse=False)
        self._undo.append(edit)
        self.version += 1
        return edit

    # ------------------------------------------------------------------ saving
    def changed_on_disk(self) -> bool:
        """True when the file was modified or replaced since it was read or saved."""
        if self.path is None or self.fingerprint is None:
            return False
        try:
            return FileFingerprint.of(self.path) != self.fingerprint
        except FileNotFoundError:
            return True

    def source_rewritten(self) -> bool:
        """True when a memory-mapped source file was changed in place.

        The map then shows the new bytes, so the unedited lines this dataset
        would write are no longer those it read. Atomic replacements (a new
        inode) and in-memory datasets are not affected.
        """
        if not isinstance(self._buffer, mmap.mmap) or self.path is None:
            return False
        if self.fingerprint is None:
            return False
        try:
            now = FileFingerprint.of(self.path)
        except OSError:
            return False
        return now.inode == self.fingerprint.inode and now != self.fingerprint

    def save(self, path: Path | None = None, *, force: bool = False) -> Path:
        """Write the dataset atomically; untouched lines are copied byte for byte.

        Args:
            path: Target; defaults to the file it was read from ("save as" otherwise).
            force: Overwrite even if the file changed on disk since it was read,
                or, for another path, if it exists.

        Returns:
            The path written.

        Raises:
            FileChangedError: The source file changed on disk and `force` is false.
            SourceRewrittenError: A memory-mapped source was rewritten in place
                (whatever `force` says: its unedited lines are lost).
            OutputExistsError: Saving to another existing path without `force`.
            DatasetError: Nothing to save to, or the write failed.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise DatasetError("this dataset has no file yet; choose where to save it")
        if self.source_rewritten():
            raise SourceRewrittenError(
                f"{self.path} was rewritten in place by another program while open; "
                "its unedited lines can no longer be read back as they were, so "
                "nothing was written: reopen the file"
            )
        same_file = self.path is not None and target.resolve() == self.path.resolve()
        if same_file and not force and self.changed_on_disk():
            raise FileChangedError(
                f"{target} changed on disk since it was opened; save under another "
                "name, or force the save to overwrite those changes"
            )
        if same_file:
            atomic_write(target, self._chunks())
        else:
            write_records(
                target, self, bom=self.bom, newline=self.newline, overwrite=force
            )
        if same_file or self.path is None:
            self.path = target
            self.fingerprint = FileFingerprint.of(target)
            self._saved_state = self._undo_state()
        return target

    def _chunks(self) -> Iterator[bytes]:
        if self.bom:
            yield BOM
        last = len(self._rows) - 1
        for position, row_id in enumerate(self._rows):
            override = self._overrides.get(row_id)
            if override is None:
                start = int(self._index.starts[row_id])
                end = start + int(self._index.ends[row_id] - start)
                newline_length = int(self._index.newline_lengths[row_id])
                chunk = bytes(self._buffer[start : end + newline_length])
                if newline_length == 0 and position != last:
                    chunk += self.newline
                yield chunk
            else:
                newline = override.newline
                if not newline and position != last:
                    newline = self.newline
                yield override.raw + newline

    def close(self) -> None:
        """Release the memory map (the dataset must not be used afterwards)."""
        if isinstance(self._buffer, mmap.mmap):
            self._buffer.close()


class _Batch:
    """Context manager collecting edits into a single undo step."""

    def __init__(self, dataset: Dataset, label: str) -> None:
        self._dataset = dataset
        self._label = label
        self._mark = 0

    def __enter__(self) -> Dataset:
        self._mark = len(self._dataset._undo)
        return self._dataset

    def __exit__(self, *exc: object) -> None:
        undo = self._dataset._undo
        edits = undo[self._mark :]
        del undo[self._mark :]
        if edits:
            merged = Edit(self._label, [step for edit in edits for step in edit.steps])
            undo.append(merged)
            self._dataset.version += 1 - len(edits)


def open_dataset(
    path: str | os.PathLike[str], *, in_memory: bool | None = None
) -> Dataset:
    """Open a JSONL file as a `Dataset` without parsing it.

    The file is read (or memory-mapped) and indexed (a few bytes per line);
    rows are parsed when read. Any content opens: bad lines become error records.

    Args:
        path: The file to open.
        in_memory: Hold a private copy of the file's bytes, so whatever another
            program does to the file, saving writes untouched lines as they were
            read. By default files up to `MMAP_THRESHOLD` are held; pass `False`
            for short read-only passes (validate, estimate), which then only map
            the file and start faster.

    Returns:
        The dataset.

    Raises:
        DatasetError: The file does not exist or cannot be read.
    """
    file_path = Path(path)
    try:
        fingerprint = FileFingerprint.of(file_path)
        if file_path.is_dir():
            raise DatasetError(f"{file_path} is a folder, not a JSONL file")
        with file_path.open("rb") as handle:
            if in_memory is None:
                in_memory = fingerprint.size <= MMAP_THRESHOLD
            if fingerprint.size == 0:
                buffer: bytes | mmap.mmap = b""
            elif in_memory:
                buffer = handle.read()
                fingerprint = FileFingerprint.of(file_path)  # as read
            else:
                buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except FileNotFoundError as exc:
        raise DatasetError(f"{file_path}: no such file") from exc
    except PermissionError as exc:
        raise DatasetError(f"{file_path}: permission denied") from exc
    except OSError as exc:
        raise DatasetError(f"{file_path}: {exc.strerror or exc}") from exc
    return Dataset(file_path, buffer, index_lines(buffer), fingerprint)
