"""Request routing of the emulator: URL patterns to state operations, JSON answers."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from ftui.core.emulator.apierrors import ApiError
from ftui.core.emulator.chat import completion, parse_chat_request, stream_chunks
from ftui.core.emulator.faults import FaultSpec
from ftui.core.emulator.multipart import MultipartError, parse_multipart
from ftui.core.emulator.state import EmulatorState

__all__ = [
    "Api",
    "Request",
    "Response",
    "error_response",
    "fault_response",
    "json_response",
]

_ID = r"(?P<id>[^/]+)"
_MAX_LIMIT = 1000
_PREVIEW_ACTIONS = frozenset({"pause", "resume"})
_PAUSE_SINCE = "2025-04-01"
"""First api-version date with pause/resume (2025-04-01-preview)."""


@dataclass
class Response:
    """An answer to send.

    Attributes:
        status: HTTP status.
        body: Bytes of a complete answer.
        content_type: Its Content-Type.
        headers: Extra headers (e.g. Retry-After).
        stream: Chunks of a Server-Sent-Events answer (then `body` is unused).
    """

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None


def json_response(status: int, value: Any) -> Response:
    """A JSON answer.

    Args:
        status: HTTP status.
        value: What to serialise.

    Returns:
        The response.
    """
    return Response(status, json.dumps(value).encode("utf-8"))


def error_response(error: ApiError) -> Response:
    """The Azure-shaped JSON answer of an error, with its headers.

    Args:
        error: The error.

    Returns:
        The response.
    """
    response = json_response(error.status, error.body())
    response.headers.update(error.headers)
    return response


@dataclass
class Request:
    """One API request, as the router needs it.

    Attributes:
        method: HTTP method.
        route: Path after `/openai/` or `/openai/v1/`, still percent-encoded.
        flavour: "dated" (Azure's dated API) or "v1".
        query: Parsed query string.
        headers: Headers with lower-case names.
        body: The whole body.
    """

    method: str
    route: str
    flavour: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def limit(self, default: int) -> int:
        """The `limit` query parameter, checked (400 when not 1..1000)."""
        raw = self.arg("limit")
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if not 1 <= value <= _MAX_LIMIT:
            raise ApiError(
                400,
                "invalidPayload",
                f"limit must be an integer from 1 to {_MAX_LIMIT}.",
                param="limit",
            )
        return value

    def json(self) -> dict[str, Any]:
        """The body as a JSON object (400 when it is not one)."""
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            raise ApiError(
                400, "invalidPayload", "The request body is not valid JSON."
            ) from None
        if not isinstance(value, dict):
            raise ApiError(
                400, "invalidPayload", "The request body must be a JSON object."
            )
        return value


def has_pause(request: Request) -> bool:
    """True when the request's API has pause/resume (v1, or dated >= 2025-04-01)."""
    version = request.arg("api-version")
    return request.flavour == "v1" or (version or "")[:10] >= _PAUSE_SINCE


_Route = tuple[str, re.Pattern[str], str, frozenset[str]]
_BOTH = frozenset({"dated", "v1"})
_ROUTES: list[_Route] = [
    (method, re.compile(f"^{pattern}$"), name, flavours)
    for method, pattern, name, flavours in [
        ("GET", "files", "list_files", _BOTH),
        ("POST", "files", "upload", _BOTH),
        ("GET", f"files/{_ID}", "get_file", _BOTH),
        ("DELETE", f"files/{_ID}", "delete_file", _BOTH),
        ("GET", f"files/{_ID}/content", "file_content", _BOTH),
        ("GET", "fine_tuning/jobs", "list_jobs", _BOTH),
        ("POST", "fine_tuning/jobs", "create_job", _BOTH),
        ("GET", f"fine_tuning/jobs/{_ID}", "get_job", _BOTH),
        ("DELETE", f"fine_tuning/jobs/{_ID}", "delete_job", _BOTH),
        (
            "POST",
            f"fine_tuning/jobs/{_ID}/(?P<action>cancel|pause|resume)",
            "job_action",
            _BOTH,
        ),
        ("GET", f"fine_tuning/jobs/{_ID}/events", "events", _BOTH),
        ("GET", f"fine_tuning/jobs/{_ID}/checkpoints", "checkpoints", _BOTH),
        ("GET", "models", "models", _BOTH),
        ("GET", f"models/{_ID}", "model", _BOTH),
        (
            "POST",
            "deployments/(?P<deployment>[^/]+)/chat/completions",
            "chat",
            frozenset({"dated"}),
        ),
        ("POST", "chat/completions", "chat", frozenset({"v1"})),
    ]
]


class Api:
    """Routes API requests to the state (no HTTP plumbing here)."""

    def __init__(self, state: EmulatorState) -> None:
        """Serve `state`."""
        self.state = state

    def dispatch(self, request: Request) -> Response:
        """Answer one authorised API request.

        Args:
            request: The request.

        Returns:
            The response.

        Raises:
            ApiError: 404/405 for unknown routes, or what the operation raises.
        """
        allowed = False
        for method, pattern, name, flavours in _ROUTES:
            match = pattern.match(request.route)
            if match is None or request.flavour not in flavours:
                continue
            if method != request.method:
                allowed = True
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            if params.get("action") in _PREVIEW_ACTIONS and not has_pause(request):
                break  # Azure's older dated versions have no such route
            handler: Callable[..., Response] = getattr(self, f"_{name}")
            return handler(request, **params)
        if allowed:
            raise ApiError(
                405, "MethodNotAllowed", f"{request.method} is not allowed here."
            )
        raise ApiError(404, "404", "Resource not found")

    def _created(self, request: Request) -> int:
        # Azure's dated API answers creates with 201 Created; v1 with 200.
        return 201 if request.flavour == "dated" else 200

    def _key(self, request: Request) -> str | None:
        return request.headers.get("idempotency-key") or None

    def _list_files(self, request: Request) -> Response:
        return json_response(
            200,
            self.state.list_files(
                purpose=request.arg("purpose"),
                after=request.arg("after"),
                limit=request.limit(10_000),  # Azure lists every file by default
                order=request.arg("order") or "desc",
            ),
        )

    def _upload(self, request: Request) -> Response:
        try:
            parts = parse_multipart(
                request.body, request.headers.get("content-type", "")
            )
        except MultipartError as exc:
            raise ApiError(400, "invalidPayload", str(exc)) from None
        fields = {part.name: part for part in parts}
        upload, purpose = fields.get("file"), fields.get("purpose")
        if upload is None or purpose is None:
            raise ApiError(
                400, "invalidPayload", "A multipart 'file' and 'purpose' are required."
            )
        body, _ = self.state.upload(
            upload.filename or "upload.jsonl",
            purpose.data.decode("utf-8", errors="replace").strip(),
            upload.data,
            self._key(request),
        )
        return json_response(self._created(request), body)

    def _get_file(self, request: Request, id: str) -> Response:
        return json_response(200, self.state.get_file(id))

    def _delete_file(self, request: Request, id: str) -> Response:
        return json_response(200, self.state.delete_file(id))

    def _file_content(self, request: Request, id: str) -> Response:
        data = self.state.file_content(id)
        return Response(200, data, "application/octet-stream")

    def _list_jobs(self, request: Request) -> Response:
        return json_response(
            200,
            self.state.list_jobs(
                after=request.arg("after"),
                limit=request.limit(20),
                metadata={
                    key[len("metadata[") : -1]: values[0]
                    for key, values in request.query.items()
                    if key.startswith("metadata[") and key.endswith("]")
                },
            ),
        )

    def _create_job(self, request: Request) -> Response:
        body, _ = self.state.create_job(request.json(), self._key(request))
        return json_response(self._created(request), body)

    def _get_job(self, request: Request, id: str) -> Response:
        return json_response(200, self.state.get_job(id))

    def _delete_job(self, request: Request, id: str) -> Response:
        self.state.delete_job(id)
        return Response(204, b"")

    def _job_action(self, request: Request, id: str, action: str) -> Response:
        return json_response(200, self.state.job_action(id, action))

    def _events(self, request: Request, id: str) -> Response:
        return json_response(
            200,
            self.state.list_events(
                id, after=request.arg("after"), limit=request.limit(20)
            ),
        )

    def _checkpoints(self, request: Request, id: str) -> Response:
        return json_response(
            200,
            self.state.list_checkpoints(
                id, after=request.arg("after"), limit=request.limit(10)
            ),
        )

    def _models(self, request: Request) -> Response:
        return json_response(200, self.state.list_models())

    def _model(self, request: Request, id: str) -> Response:
        for model in self.state.list_models()["data"]:
            if model["id"] == id:
                return json_response(200, model)
        raise ApiError(404, "notFound", f"The model '{id}' could not be found.")

    def _chat(self, request: Request, deployment: str | None = None) -> Response:
        body = request.json()
        if deployment is None:
            model_field = body.get("model")
            if not isinstance(model_field, str) or not model_field:
                raise ApiError(
                    400, "invalidPayload", "model is required.", param="model"
                )
            deployment = model_field
        chat = parse_chat_request(body)
        model, base, index = self.state.chat_target(deployment)
        now = self.state.clock.stamp(self.state.clock.now())
        if chat.stream:
            return Response(
                200,
                content_type="text/event-stream",
                stream=stream_chunks(chat, index, model, base, now),
            )
        return json_response(200, completion(chat, index, model, base, now))


def fault_response(status: int, spec: FaultSpec) -> Response:
    """The answer of an injected 429, 500 or 503, in Azure's words.

    Args:
        status: 429, 500 or 503.
        spec: Fault settings (for the Retry-After of 429s).

    Returns:
        The response.
    """
    if status == 429:
        seconds = spec.retry_after
        response = error_response(
            ApiError(
                429,
                "429",
                "Requests to the Fine-tuning API have exceeded the call rate limit of "
                f"your current pricing tier. Please retry after {seconds:g} second(s).",
            )
        )
        response.headers["retry-after"] = str(max(1, round(seconds)))
        response.headers["retry-after-ms"] = str(round(seconds * 1000))
        return response
    if status == 503:
        return error_response(
            ApiError(
                503,
                "ServiceUnavailable",
                "The service is temporarily unable to process your request. "
                "Please try again later.",
            )
        )
    return error_response(
        ApiError(
            500,
            "InternalServerError",
            "The server had an error while processing your request. Sorry about that!",
        )
    )
