"""Persistent cache of per-line token counts, keyed by line content hash + encoding.

Counts live in one SQLite file in `cache_dir()`. A line's key is the first 16
bytes of SHA-256 of its raw bytes (SHA-256 runs at ~1.5 GB/s here thanks to CPU
support, faster than blake2b), so a copied file, or a file with a few edited
lines, is counted again only where it changed. On top of that, a compact
snapshot of a whole unedited file's counts is kept per file version (path, size,
mtime, inode) so reopening an unchanged file skips even the hashing. The cache
is best effort: any SQLite or file-system error disables it for the session,
never the count; a file past 512 MB is emptied when next opened.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path

from ftui.core.paths import cache_dir

__all__ = ["CachedCounts", "TokenCache", "line_key"]

CachedCounts = tuple[int, int, tuple[int, ...]]
"""`(total, trained, per_message)`; `total == -1` marks a line that is no example."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    enc TEXT NOT NULL,
    h BLOB NOT NULL,
    total INTEGER NOT NULL,
    trained INTEGER NOT NULL,
    per BLOB NOT NULL,
    PRIMARY KEY (enc, h)
) WITHOUT ROWID
"""
_FILES_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    key TEXT PRIMARY KEY,
    used REAL NOT NULL,
    data BLOB NOT NULL
)
"""
_MAX_BYTES = 512 * 1024 * 1024  # past this size the cache starts over (~8M lines)
_MAX_FILES = 32  # whole-file snapshots kept (least recently used are dropped)
_QUERY_CHUNK = 500  # stays under SQLite's oldest bound-parameter limit (999)


def line_key(raw: bytes) -> bytes:
    """The cache key of a line: 16 bytes of SHA-256 of its raw bytes."""
    return hashlib.sha256(raw).digest()[:16]


def _pack(per_message: Sequence[int]) -> bytes:
    return array("I", per_message).tobytes()


def _unpack(blob: bytes) -> tuple[int, ...]:
    values = array("I")
    values.frombytes(blob)
    return tuple(values)


class TokenCache:
    """Token counts per (encoding key, line hash) in a SQLite file.

    Safe to use from one thread at a time; several processes may share the file.
    """

    def __init__(self, path: Path | None = None, max_bytes: int = _MAX_BYTES) -> None:
        """Open (lazily) the cache file.

        Args:
            path: SQLite file; by default `cache_dir() / "tokens-v1.sqlite3"`.
            max_bytes: When the file is larger than this on opening, it is emptied.
        """
        self.path = path if path is not None else cache_dir() / "tokens-v1.sqlite3"
        self.max_bytes = max_bytes
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.disabled = False
        """True after an error: lookups miss and stores are dropped."""

    def _connect(self) -> sqlite3.Connection | None:
        if self.disabled:
            return None
        if self._connection is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(
                    self.path, timeout=5.0, check_same_thread=False
                )
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.execute(_SCHEMA)
                connection.execute(_FILES_SCHEMA)
                connection.commit()
                if self.path.stat().st_size > self.max_bytes:
                    # simplest bound that keeps the cache from growing forever:
                    # start over (recounting is minutes at worst, never wrong)
                    connection.execute("DELETE FROM counts")
                    connection.execute("DELETE FROM files")
                    connection.commit()
                    connection.execute("VACUUM")
            except (sqlite3.Error, OSError):
                self.disabled = True
                return None
            self._connection = connection
        return self._connection

    def get_many(
        self, encoding_key: str, keys: Sequence[bytes]
    ) -> dict[bytes, CachedCounts]:
        """Look up many lines at once.

        Args:
            encoding_key: Encoding plus counting-method version.
            keys: Line keys from `line_key`.

        Returns:
            The cached counts of the keys found.
        """
        with self._lock:
            connection = self._connect()
            if connection is None or not keys:
                return {}
            found: dict[bytes, CachedCounts] = {}
            unique = list(dict.fromkeys(keys))
            try:
                for start in range(0, len(unique), _QUERY_CHUNK):
                    part = unique[start : start + _QUERY_CHUNK]
                    marks = ",".join("?" * len(part))
                    rows = connection.execute(
                        "SELECT h, total, trained, per FROM counts "
                        f"WHERE enc = ? AND h IN ({marks})",
                        (encoding_key, *part),
                    )
                    for key, total, trained, per in rows:
                        found[key] = (total, trained, _unpack(per))
            except sqlite3.Error:
                self.disabled = True
                return {}
            return found

    def put_many(
        self, encoding_key: str, items: Iterable[tuple[bytes, CachedCounts]]
    ) -> None:
        """Store counts (best effort; errors disable the cache).

        Args:
            encoding_key: Encoding plus counting-method version.
            items: `(line key, (total, trained, per_message))` pairs.
        """
        with self._lock:
            connection = self._connect()
            if connection is None:
                return
            try:
                connection.executemany(
                    "INSERT OR REPLACE INTO counts VALUES (?, ?, ?, ?, ?)",
                    (
                        (encoding_key, key, total, trained, _pack(per))
                        for key, (total, trained, per) in items
                    ),
                )
                connection.commit()
            except (sqlite3.Error, OverflowError):
                self.disabled = True

    def get_file(self, key: str) -> bytes | None:
        """A whole-file snapshot stored by `put_file`, or `None`.

        Args:
            key: Identifies the file version and encoding (see `count_dataset`).
        """
        with self._lock:
            connection = self._connect()
            if connection is None:
                return None
            try:
                row = connection.execute(
                    "SELECT data FROM files WHERE key = ?", (key,)
                ).fetchone()
                if row is None:
                    return None
                connection.execute(
                    "UPDATE files SET used = ? WHERE key = ?", (time.time(), key)
                )
                connection.commit()
            except sqlite3.Error:
                self.disabled = True
                return None
            return bytes(row[0])

    def put_file(self, key: str, data: bytes) -> None:
        """Store a whole-file snapshot, keeping only the most recently used ones."""
        with self._lock:
            connection = self._connect()
            if connection is None:
                return
            try:
                connection.execute(
                    "INSERT OR REPLACE INTO files VALUES (?, ?, ?)",
                    (key, time.time(), data),
                )
                connection.execute(
                    "DELETE FROM files WHERE key NOT IN "
                    "(SELECT key FROM files ORDER BY used DESC LIMIT ?)",
                    (_MAX_FILES,),
                )
                connection.commit()
            except sqlite3.Error:
                self.disabled = True

    def clear(self) -> None:
        """Delete every cached count."""
        with self._lock:
            connection = self._connect()
            if connection is None:
                return
            try:
                connection.execute("DELETE FROM counts")
                connection.execute("DELETE FROM files")
                connection.commit()
            except sqlite3.Error:
                self.disabled = True

    def close(self) -> None:
        """Close the SQLite connection (it reopens on next use)."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
