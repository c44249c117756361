"""The emulator's HTTP server and the handle tests and `ftui emulator` use.

Implementation choice: the stdlib `http.server.ThreadingHTTPServer` (no new
dependency, no event loop to share with the test's loop, one thread per
connection). It makes the faults easy and honest: a dropped connection is a
socket closed without a response, a Server-Sent-Events stream is chunked
transfer encoding written piece by piece. Multipart uploads are split by the
byte-exact parser in `ftui.core.emulator.multipart`.

Routes (`{p}` = `/openai` with `?api-version=` for Azure's dated API, or
`/openai/v1` without it); auth is `api-key: KEY` or `Authorization: Bearer KEY`
on both:

    GET/POST   {p}/files                 list / multipart upload
    GET/DELETE {p}/files/{id}            retrieve / delete
    GET        {p}/files/{id}/content    bytes
    GET/POST   {p}/fine_tuning/jobs      list (after, limit) / create
    GET/DELETE {p}/fine_tuning/jobs/{id}
    POST       {p}/fine_tuning/jobs/{id}/cancel|pause|resume
    GET        {p}/fine_tuning/jobs/{id}/events        newest first (after, limit)
    GET        {p}/fine_tuning/jobs/{id}/checkpoints   newest first (after, limit)
    GET        {p}/models, {p}/models/{id}
    POST       /openai/deployments/{name}/chat/completions   (dated API)
    POST       /openai/v1/chat/completions  (v1; `model` = deployment name)

Deployments: every succeeded job's `fine_tuned_model` is deployed under its own
name (as if the user had deployed it with that name); anything else (another
name, a checkpoint id or `…:ckpt-step-N` name) needs an explicit deployment via
`handle.deploy(name, model)` or the admin route below. Unknown names get 404
`DeploymentNotFound`.

Timestamps in API objects follow the wall clock; only durations are simulated
(see `ftui.core.emulator.clock.SimClock`).

Emulator-only routes (same key, never faulted): `GET /emulator/health` (no key),
`GET /emulator/deployments`, `PUT /emulator/deployments/{name}` with
`{"model": "<fine-tuned model or checkpoint>"}`, `POST /emulator/reset`,
`POST /emulator/faults` with `{"spec": "429=0.1,..."}`, `GET /emulator/clock`,
`POST /emulator/clock` with `{"advance": seconds}` and/or `{"speed": x}`.

Idempotency: a create (`POST .../files`, `POST .../fine_tuning/jobs`) carrying an
`Idempotency-Key` header is recorded; a repeat with the same key and the same
body returns the object created the first time (same id, no second job), a
repeat with a different body is a 400. openai 3.60 does *not* send this header
by itself (`BaseClient._idempotency_header` is None for `OpenAI` and
`AzureOpenAI`), so a client passes `extra_headers={"Idempotency-Key": str(uuid4())}`
once per logical create; the SDK resends the same headers on each retry.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import re
import shutil
import socket
import tempfile
import threading
import time
import traceback
import uuid
import weakref
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ftui.core.emulator.apierrors import ApiError
from ftui.core.emulator.clock import SimClock
from ftui.core.emulator.faults import Fault, FaultInjector, FaultSpec
from ftui.core.emulator.jobs import Timings
from ftui.core.emulator.routes import (
    Api,
    Request,
    Response,
    error_response,
    fault_response,
    json_response,
)
from ftui.core.emulator.state import EmulatorState

__all__ = ["DEFAULT_API_KEY", "EmulatorHandle", "start_emulator"]

DEFAULT_API_KEY = "emulator-key"
"""The fake key the emulator accepts unless told otherwise."""

_API_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    handle: EmulatorHandle


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60  # idle keep-alive connections end; their thread exits

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle
        # plus the client's delayed ACK adds ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return  # requests are logged by _log with the outcome

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        handle = self.server.handle
        started = time.monotonic()
        url = urlsplit(self.path)
        path = url.path
        try:
            body = self._read_body()
        except ValueError:  # a malformed Content-Length or chunk size
            self.close_connection = True
            bad = ApiError(400, "invalidPayload", "Malformed request body framing.")
            self._send(error_response(bad), path, started)
            return
        if path.startswith("/emulator/"):
            self._send(self._admin(path, body), path, started)
            return
        prefix, flavour = (
            ("/openai/v1/", "v1")
            if path.startswith("/openai/v1/")
            else ("/openai/", "dated")
        )
        if not path.startswith(prefix):
            missing = ApiError(404, "404", "Resource not found")
            self._send(error_response(missing), path, started)
            return
        request = Request(
            self.command,
            path[len(prefix) :],
            flavour,
            parse_qs(url.query),
            self._lower_headers(),
            body,
        )
        # Faults are decided before anything touches the state.
        decision = handle.faults.decide()
        if decision.delay:
            time.sleep(decision.delay)
        if decision.fault is Fault.DROP:
            self._drop(path, started, "dropped before handling")
            return
        if decision.fault in (Fault.RATE_LIMIT, Fault.SERVER_ERROR):
            self._send(
                fault_response(decision.status, handle.faults.spec), path, started
            )
            return
        try:
            response = self._authorized(request) or handle.api.dispatch(request)
        except ApiError as exc:
            response = error_response(exc)
        except Exception as exc:  # a bug in the emulator: answer 500, keep serving
            handle.log(f"emulator error: {exc!r}\n{traceback.format_exc()}")
            response = error_response(
                ApiError(500, "InternalServerError", f"Emulator error: {exc!r}")
            )
        if decision.fault is Fault.DROP_AFTER and response.stream is None:
            self._drop(path, started, f"handled ({response.status}), response dropped")
            return
        # A stream hit by drop_after starts, then dies halfway (like a lost network).
        self._send(response, path, started, cut=decision.fault is Fault.DROP_AFTER)

    def _lower_headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def _authorized(self, request: Request) -> Response | None:
        """A 401/400 response when the key or api-version is wrong, else None."""
        handle = self.server.handle
        if not handle.key_ok(request.headers):
            return error_response(
                ApiError(
                    401,
                    "unauthorized",
                    "Access denied due to invalid subscription key or wrong API "
                    "endpoint. Make sure to provide a valid key for an active "
                    "subscription and use a correct regional API endpoint for your "
                    "resource.",
                )
            )
        if request.flavour == "dated":
            version = request.arg("api-version")
            if version is None:
                return error_response(
                    ApiError(
                        400,
                        "MissingApiVersionParameter",
                        "The api-version query parameter (?api-version=) is required "
                        "for all requests.",
                    )
                )
            if not _API_VERSION.match(version):
                return error_response(
                    ApiError(
                        400, "BadRequest", f"API version '{version}' is not supported."
                    )
                )
        return None

    def _admin(self, path: str, body: bytes) -> Response:
        handle = self.server.handle
        route = path[len("/emulator/") :].strip("/")
        if route == "health":
            return json_response(200, {"status": "ok"})
        if not handle.key_ok(self._lower_headers()):
            return error_response(
                ApiError(401, "unauthorized", "A valid emulator key is required.")
            )
        try:
            payload = json.loads(body or b"{}")
            if not isinstance(payload, dict):
                raise ValueError("body must be a JSON object")
            if route == "deployments" and self.command == "GET":
                return json_response(200, {"data": handle.state.list_deployments()})
            if route.startswith("deployments/") and self.command in ("PUT", "POST"):
                name = unquote(route[len("deployments/") :])
                return json_response(
                    200, handle.state.deploy(name, str(payload.get("model", "")))
                )
            if route == "reset" and self.command == "POST":
                handle.reset()
                return json_response(200, {"reset": True})
            if route == "faults" and self.command == "POST":
                handle.set_faults(payload.get("spec"))
                return json_response(200, {"faults": str(payload.get("spec") or "")})
            if route == "clock":
                if self.command == "POST":
                    if "speed" in payload:
                        handle.set_speed(float(payload["speed"]))
                    if "advance" in payload:
                        handle.advance(float(payload["advance"]))
                return json_response(
                    200, {"now": handle.clock.now(), "speed": handle.clock.speed}
                )
        except ApiError as exc:
            return error_response(exc)
        except (ValueError, TypeError) as exc:
            return error_response(ApiError(400, "invalidPayload", str(exc)))
        return error_response(ApiError(404, "404", "Resource not found"))

    def _drop(self, path: str, started: float, why: str) -> None:
        self.close_connection = True
        # RST instead of FIN: the client sees the connection die, not a short reply.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        self.server.handle.log(
            f"{self.command} {path} -> connection dropped ({why}) "
            f"{(time.monotonic() - started) * 1000:.0f} ms"
        )

    def _send(
        self, response: Response, path: str, started: float, *, cut: bool = False
    ) -> None:
        request_id = str(uuid.uuid4())
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("apim-request-id", request_id)
            self.send_header("x-request-id", request_id)
            self.send_header("x-ms-region", "Emulator")
            for key, value in response.headers.items():
                self.send_header(key, value)
            if response.stream is None:
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)
            else:
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                delay = self.server.handle.stream_delay
                pieces = list(response.stream)
                for piece in pieces[: len(pieces) // 2] if cut else pieces:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                    if delay:
                        time.sleep(delay)
                if cut:
                    self._drop(path, started, "stream cut halfway")
                    return
                self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        self.server.handle.log(
            f"{self.command} {path} -> {response.status} "
            f"{(time.monotonic() - started) * 1000:.0f} ms"
        )


class EmulatorHandle:
    """A running emulator: where it listens, its key, and controls for tests.

    Attributes:
        base_url: `http://HOST:PORT`.
        azure_endpoint: The same; pass as `AzureOpenAI(azure_endpoint=...)`.
        v1_base_url: `base_url + "/openai/v1/"`; pass as `OpenAI(base_url=...)`.
        api_key: The key the emulator accepts.
        state: The emulated service's memory.
        clock: The simulated clock.
        faults: The fault injector (`faults.counts` counts what happened).
        stream_delay: Real seconds between streamed chat chunks.
    """

    def __init__(
        self,
        server: _Server,
        state: EmulatorState,
        clock: SimClock,
        faults: FaultInjector,
        api_key: str,
        *,
        speed: float,
        fault_spec: str | FaultSpec | None,
        data_dir: Path,
        owns_data_dir: bool,
        stream_delay: float,
        log: Callable[[str], None] | None,
    ) -> None:
        """Wrap a bound server (use `start_emulator`)."""
        host, port = server.server_address[:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)
        self.base_url = f"http://{shown}:{port}"
        self.azure_endpoint = self.base_url
        self.v1_base_url = self.base_url + "/openai/v1/"
        self.api_key = api_key
        self.port = int(port)
        self.state = state
        self.clock = clock
        self.faults = faults
        self.api = Api(state)
        self.stream_delay = stream_delay
        self._server = server
        self._speed = speed
        self._fault_spec = fault_spec
        self._data_dir = data_dir
        self._owns_data_dir = owns_data_dir
        self._log = log
        self._thread: threading.Thread | None = None

    def log(self, line: str) -> None:
        """Report one request line (to the `log` callback given at start, if any)."""
        if self._log is not None:
            self._log(line)

    def key_ok(self, headers: dict[str, str]) -> bool:
        """True when `api-key` or `Authorization: Bearer` carries the key."""
        expected = self.api_key.encode("utf-8")
        given = headers.get("api-key")
        if given is None:
            auth = headers.get("authorization", "")
            if auth[:7].lower() == "bearer ":
                given = auth[7:].strip()
        return given is not None and hmac.compare_digest(
            given.encode("utf-8"), expected
        )

    def _serve(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"ftui-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def wait(self) -> None:
        """Block until the server stops (the foreground `ftui emulator`)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)

    def reset(self) -> None:
        """Forget all state and restore the start-up speed and faults."""
        self.state.reset()
        self.faults.configure(self._fault_spec)
        self.clock.set_speed(self._speed)

    def set_faults(self, spec: str | FaultSpec | None) -> None:
        """Change the fault settings (restarts their random sequence and counters).

        Args:
            spec: A `--faults` spec, a `FaultSpec`, or None for no faults.
        """
        self.faults.configure(spec)

    def set_speed(self, speed: float) -> None:
        """Change the pace of simulated time from now on.

        Args:
            speed: Simulated seconds per real second (0 = only `advance()`).
        """
        self.clock.set_speed(speed)

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward (jobs catch up on their next request).

        Args:
            seconds: Simulated seconds to skip (>= 0).
        """
        self.clock.advance(seconds)

    def deploy(self, name: str, model: str) -> dict[str, str]:
        """Register a chat deployment of a fine-tuned model or checkpoint.

        Args:
            name: Deployment name (the `model` of chat requests).
            model: A succeeded job's `fine_tuned_model`, or a checkpoint id/name.

        Returns:
            `{"name", "model"}`.

        Raises:
            ValueError: `model` is not a fine-tuned model or checkpoint here.
        """
        try:
            return self.state.deploy(name, model)
        except ApiError as exc:
            raise ValueError(exc.message) from None

    def stop(self) -> None:
        """Stop serving and delete the temp folder (when the emulator made it)."""
        self._server.shutdown()
        self._server.server_close()
        self.state.close()
        if self._thread is not None:
            self._thread.join(5)
        if self._owns_data_dir:
            shutil.rmtree(self._data_dir, ignore_errors=True)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_emulator(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    speed: float = 60.0,
    faults: str | FaultSpec | None = None,
    api_key: str = DEFAULT_API_KEY,
    data_dir: str | Path | None = None,
    timings: Timings | None = None,
    stream_delay: float = 0.0,
    log: Callable[[str], None] | None = None,
) -> EmulatorHandle:
    """Start the emulator on a background thread.

    Args:
        host: Interface to bind (loopback by default).
        port: TCP port; 0 picks a free one (see `handle.port`).
        speed: Simulated seconds per real second (0 = only `advance()` moves time).
        faults: A `--faults` spec (see `ftui.core.emulator.faults`).
        api_key: The key clients must send.
        data_dir: Folder for uploaded/generated files; default a fresh temp folder
            removed by `stop()`.
        timings: Simulated durations of the job phases.
        stream_delay: Real seconds to wait between streamed chat chunks.
        log: Called with one line per request (None = silent).

    Returns:
        The running emulator's handle.

    Raises:
        OSError: The port cannot be bound.
        ValueError: Bad speed or fault spec.
    """
    clock = SimClock(speed)
    injector = FaultInjector(faults)
    owns = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="ftui-emulator-")) if owns else Path(data_dir)  # type: ignore[arg-type]
    folder.mkdir(parents=True, exist_ok=True)
    state = EmulatorState(clock, folder, timings)
    server = _Server((host, port), _Handler)
    handle = EmulatorHandle(
        server,
        state,
        clock,
        injector,
        api_key,
        speed=speed,
        fault_spec=faults,
        data_dir=folder,
        owns_data_dir=owns,
        stream_delay=stream_delay,
        log=log,
    )
    server.handle = handle
    if owns:
        # Also clean up when the process exits without stop() (not on SIGKILL).
        weakref.finalize(handle, shutil.rmtree, folder, ignore_errors=True)
    handle._serve()
    return handle
