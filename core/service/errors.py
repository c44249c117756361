"""Service errors: the SDK's exceptions turned into one-line, key-free `ServiceError`s.

::

    ServiceError (ftui.core.errors)
    ├── ServiceConnectionError   the endpoint could not be reached (or timed out)
    ├── ServiceAuthError         401/403: key or Entra token refused
    ├── ServiceNotFoundError     404: unknown id or deployment, wrong URL/api-version
    ├── ServiceRateLimitError    429 (carries `retry_after`)
    ├── ServiceUnavailableError  5xx
    └── ServiceRequestError      any other refusal (400, 409, 422...)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ftui.core.errors import ServiceError
from ftui.core.service.secrets import scrub
from ftui.core.text import escape_controls

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ServiceAuthError",
    "ServiceConnectionError",
    "ServiceNotFoundError",
    "ServiceRateLimitError",
    "ServiceRequestError",
    "ServiceUnavailableError",
    "is_transient",
    "parse_retry_after",
    "translate_error",
]


def _one_line(text: str) -> str:
    """Server text made safe for a terminal: one line, control characters escaped."""
    return escape_controls(" ".join(text.split()))


class _StatusError(ServiceError):
    """A service error with the HTTP status and request id when there was one."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(_one_line(scrub(message)))
        self.status_code = status_code
        self.code = code
        self.param = param
        self.request_id = request_id
        self.retry_after = retry_after


class ServiceConnectionError(_StatusError):
    """The service could not be reached, the connection dropped, or it timed out."""


class ServiceAuthError(_StatusError):
    """The service refused the credentials (401) or the permission (403)."""


class ServiceNotFoundError(_StatusError):
    """The service answered 404."""


class ServiceRateLimitError(_StatusError):
    """The service answered 429; `retry_after` says how long it asked to wait."""


class ServiceUnavailableError(_StatusError):
    """The service answered with a 5xx status."""


class ServiceRequestError(_StatusError):
    """The service refused the request (400, 409, 422 and other statuses)."""


_MAX_RETRY_AFTER = 600.0


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Read `retry-after-ms` or `retry-after` (seconds) from response headers.

    Args:
        headers: Response headers (case-insensitive mapping), or None.

    Returns:
        Seconds to wait, or None when absent, unparsable or absurd.
    """
    if not headers:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) / divisor
        except ValueError:
            continue  # an HTTP date: rare enough to fall back to our own backoff
        if 0 <= value <= _MAX_RETRY_AFTER:
            return value
    return None


def _body_message(body: object) -> tuple[str | None, str | None, str | None]:
    """(message, code, param) from an OpenAI- or Azure-shaped error body."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            message = inner.get("message")
            code = inner.get("code")
            param = inner.get("param") or inner.get("target")
            return (
                str(message) if message else None,
                str(code) if code else None,
                str(param) if param else None,
            )
    return None, None, None


def translate_error(
    exc: BaseException, *, action: str, where: str = ""
) -> ServiceError:
    """Turn an exception from the openai SDK into a `ServiceError` with a plain message.

    Args:
        exc: The exception raised by the SDK (other exceptions get a generic message).
        action: What ftui was doing, e.g. "list jobs"; starts the message.
        where: The endpoint, shown for connection problems.

    Returns:
        A `ServiceError` subclass; its text never contains a registered secret.
    """
    import openai

    if isinstance(exc, ServiceError):
        return exc
    place = f" at {where}" if where else ""
    if isinstance(exc, openai.APITimeoutError):
        return ServiceConnectionError(f"cannot {action}: the service{place} timed out")
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__ or exc.__context__
        reason = f" ({type(cause).__name__}: {cause})" if cause else ""
        return ServiceConnectionError(
            f"cannot {action}: could not connect to the service{place}{reason}"
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message, code, param = _body_message(exc.body)
        detail = message or exc.message or f"HTTP {status}"
        request_id = exc.request_id
        kwargs: dict[str, Any] = {
            "status_code": status,
            "code": code or getattr(exc, "code", None),
            "param": param,
            "request_id": request_id,
        }
        if status == 401:
            return ServiceAuthError(
                f"cannot {action}: authentication failed (HTTP 401): the API key or "
                f"Entra token was refused{place} — {detail}",
                **kwargs,
            )
        if status == 403:
            return ServiceAuthError(
                f"cannot {action}: permission denied (HTTP 403): {detail}", **kwargs
            )
        if status == 404:
            return ServiceNotFoundError(
                f"cannot {action}: not found (HTTP 404): {detail}", **kwargs
            )
        if status == 429:
            retry_after = parse_retry_after(exc.response.headers)
            wait = f"; retry after {retry_after:g}s" if retry_after is not None else ""
            return ServiceRateLimitError(
                f"cannot {action}: rate limited (HTTP 429){wait}: {detail}",
                retry_after=retry_after,
                **kwargs,
            )
        if status >= 500:
            return ServiceUnavailableError(
                f"cannot {action}: the service failed (HTTP {status}): {detail}",
                **kwargs,
            )
        return ServiceRequestError(
            f"cannot {action}: the service refused the request (HTTP {status}): "
            f"{detail}",
            **kwargs,
        )
    if isinstance(exc, openai.OpenAIError):
        return ServiceError(_one_line(scrub(f"cannot {action}: {exc}")))
    return ServiceError(
        _one_line(scrub(f"cannot {action}: {type(exc).__name__}: {exc}"))
    )


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: connection problems, 408/409/429 and 5xx.

    Args:
        exc: A translated `ServiceError` or an SDK exception.

    Returns:
        Whether waiting and trying again may help.
    """
    if isinstance(
        exc, ServiceConnectionError | ServiceRateLimitError | ServiceUnavailableError
    ):
        return True
    if isinstance(exc, _StatusError):
        return exc.status_code in (408, 409)
    try:
        import openai
    except ImportError:  # pragma: no cover - openai is a dependency
        return False
    if isinstance(exc, openai.APIConnectionError):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False
