"""Errors raised by ftui's engine.

Every error ftui raises on purpose derives from `FtuiError`, so the CLI and the
UI can show its message in one line instead of a traceback::

    FtuiError
    ├── DatasetError            a file cannot be read or written as JSONL
    │   ├── FileChangedError    the file changed on disk since it was read
    │   │   └── SourceRewrittenError  a large file was rewritten in place while open
    │   └── OutputExistsError   refusing to overwrite an existing output file
    ├── ConfigError             the config file or a profile is wrong
    └── ServiceError            the fine-tuning service could not be used
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DatasetError",
    "FileChangedError",
    "FtuiError",
    "OutputExistsError",
    "ServiceError",
    "SourceRewrittenError",
]


class FtuiError(Exception):
    """Base class of every error ftui raises on purpose; its text is user-facing."""


class DatasetError(FtuiError):
    """A dataset file cannot be read or written."""


class FileChangedError(DatasetError):
    """The file on disk changed since it was read; saving would lose those changes."""


class SourceRewrittenError(FileChangedError):
    """A memory-mapped file was rewritten in place: its unedited lines are gone."""


class OutputExistsError(DatasetError):
    """The output file exists and overwriting it was not asked for."""


class ConfigError(FtuiError):
    """The configuration file or a connection profile is invalid."""


class ServiceError(FtuiError):
    """The fine-tuning service could not be reached or refused a request."""
