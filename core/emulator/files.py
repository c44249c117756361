"""Files of the emulated service: uploads (validated in the background), results."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftui.core.emulator.analysis import FileAnalysis, analyze_file

__all__ = [
    "FILE_PENDING_S",
    "FILE_PURPOSES",
    "FILE_RUN_BASE_S",
    "FILE_RUN_PER_MB_S",
    "StoredFile",
    "analyze_upload",
]

FILE_PURPOSES = frozenset(
    {
        "fine-tune",
        "fine-tune-results",
        "assistants",
        "assistants_output",
        "batch",
        "batch_output",
        "evals",
        "evals_output",
        "vision",
        "user_data",
    }
)
"""Purposes accepted on upload (Azure's list plus OpenAI's)."""


FILE_PENDING_S = 2.0
"""Simulated seconds a new upload stays `pending`."""
FILE_RUN_BASE_S = 3.0
"""Simulated seconds of `running`, at least..."""
FILE_RUN_PER_MB_S = 2.0
"""...plus this much per MiB."""


@dataclass
class StoredFile:
    """An uploaded or generated file.

    Attributes:
        id: `file-<hex>`.
        filename: Name given on upload.
        purpose: `fine-tune`, `fine-tune-results`, ...
        size: Bytes.
        created_at: Creation time shown to clients (wall clock, see `SimClock.stamp`).
        path: Where the bytes are kept (inside the emulator's temp folder).
        running_at: When processing starts (`pending` before).
        ready_at: Earliest end of processing (`processed` or `error`); the
            file also stays `running` until its validation has finished.
        work: Validation of fine-tune files, running on the state's worker
            pool (None for other purposes).
    """

    id: str
    filename: str
    purpose: str
    size: int
    created_at: int
    path: Path
    running_at: float
    ready_at: float
    work: Future[FileAnalysis] | None

    def analysis(self) -> FileAnalysis | None:
        """The validation outcome, waiting for it if needed (None: not validated)."""
        return self.work.result() if self.work is not None else None

    def status(self, now: float) -> str:
        """Azure's file status at simulated time `now`."""
        if now < self.running_at:
            return "pending"
        if now < self.ready_at or (self.work is not None and not self.work.done()):
            return "running"
        analysis = self.analysis()
        if analysis is not None and not analysis.ok:
            return "error"
        return "processed"

    def to_json(self, now: float) -> dict[str, Any]:
        """The `file` object as seen at `now`."""
        status = self.status(now)
        analysis = self.analysis() if status == "error" else None
        details = analysis.status_details if analysis is not None else None
        return {
            "id": self.id,
            "object": "file",
            "bytes": self.size,
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": status,
            "status_details": details,
            "expires_at": None,
        }


def analyze_upload(path: Path) -> FileAnalysis:
    """Validate an upload; a crash becomes an `error` file rather than a hang.

    Args:
        path: The stored upload.

    Returns:
        The validation outcome.
    """
    try:
        return analyze_file(path)
    except Exception as exc:  # reported to the client as status_details
        return FileAnalysis(
            False, f"The file could not be processed: {exc!r}", 0, "unknown", 0
        )
