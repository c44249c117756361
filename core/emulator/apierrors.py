"""HTTP errors the emulator answers with, in Azure OpenAI's error shape."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "not_found"]


class ApiError(Exception):
    """An error response: `{"error": {"code": ..., "message": ..., "param": ...}}`.

    Azure's dated API documents `{"error": {"code", "message", "target"?}}`; the
    OpenAI shape adds `param` and `type`. The body carries `code`, `message`,
    `param` and `target` (the same value) so either kind of client finds them.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Create an error.

        Args:
            status: HTTP status code.
            code: Azure error code such as `notFound` or `invalidPayload`.
            message: Human-readable explanation.
            param: The request field at fault, if any.
            headers: Extra response headers (e.g. Retry-After).
        """
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.param is not None:
            error["param"] = self.param
            error["target"] = self.param
        return {"error": error}


def not_found(kind: str, ident: str) -> ApiError:
    """The 404 for an unknown object id.

    Args:
        kind: What was looked up, e.g. "file" or "fine-tuning job".
        ident: The id asked for.

    Returns:
        The error to raise.
    """
    return ApiError(
        404, "notFound", f"The specified {kind} '{ident}' could not be found."
    )
