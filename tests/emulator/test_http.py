"""HTTP-level behaviour: auth, 404s, api-version, unknown routes, admin routes."""

from __future__ import annotations

import asyncio

import httpx2
import openai
import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI

from ftui.core.emulator.server import EmulatorHandle
from tests.emulator.conftest import API_VERSION


async def test_wrong_key_is_401_in_azure_shape(emulator: EmulatorHandle) -> None:
    clients: list[AsyncOpenAI] = [
        AsyncAzureOpenAI(
            azure_endpoint=emulator.azure_endpoint,
            api_key="sk-not-the-key-7431",
            api_version=API_VERSION,
            max_retries=0,
        ),
        AsyncOpenAI(
            base_url=emulator.v1_base_url, api_key="sk-not-the-key-7431", max_retries=0
        ),
    ]
    for client in clients:
        async with client:
            with pytest.raises(openai.AuthenticationError) as info:
                await client.files.list()
        assert info.value.status_code == 401
        assert info.value.code == "unauthorized"
        assert "7431" not in info.value.message  # the key is never echoed


async def test_missing_key_is_401(emulator: EmulatorHandle) -> None:
    async with httpx2.AsyncClient(base_url=emulator.base_url) as http:
        response = await http.get("/openai/v1/files")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_both_key_headers_work_on_both_route_kinds(
    emulator: EmulatorHandle,
) -> None:
    bearer = {"Authorization": f"Bearer {emulator.api_key}"}
    key = {"api-key": emulator.api_key}
    async with httpx2.AsyncClient(base_url=emulator.base_url) as http:
        for headers in (bearer, key):
            dated = await http.get(
                "/openai/files", params={"api-version": API_VERSION}, headers=headers
            )
            v1 = await http.get("/openai/v1/files", headers=headers)
            assert (dated.status_code, v1.status_code) == (200, 200)


async def test_unknown_ids_are_404(client: AsyncOpenAI) -> None:
    calls = [
        client.files.retrieve("file-nope"),
        client.files.content("file-nope"),
        client.files.delete("file-nope"),
        client.fine_tuning.jobs.retrieve("ftjob-nope"),
        client.fine_tuning.jobs.cancel("ftjob-nope"),
        client.fine_tuning.jobs.list_events("ftjob-nope"),
        client.fine_tuning.jobs.checkpoints.list("ftjob-nope"),
    ]
    for call in calls:
        with pytest.raises(openai.NotFoundError) as info:
            await call
        assert info.value.code == "notFound"
        assert "nope" in info.value.message


async def test_url_encoded_ids(azure: AsyncAzureOpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await azure.files.retrieve("zzz/x")
    assert "'zzz/x'" in info.value.message


async def test_dated_routes_need_api_version(emulator: EmulatorHandle) -> None:
    headers = {"api-key": emulator.api_key}
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers=headers) as http:
        missing = await http.get("/openai/fine_tuning/jobs")
        bad = await http.get(
            "/openai/fine_tuning/jobs", params={"api-version": "latest"}
        )
        v1 = await http.get("/openai/v1/fine_tuning/jobs")
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "MissingApiVersionParameter"
    assert "api-version" in missing.json()["error"]["message"]
    assert bad.status_code == 400
    assert v1.status_code == 200  # v1 routes need no api-version


async def test_unknown_route_and_method(emulator: EmulatorHandle) -> None:
    headers = {"api-key": emulator.api_key}
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers=headers) as http:
        unknown = await http.get("/openai/v1/nothing/here")
        outside = await http.get("/somewhere")
        wrong_method = await http.put("/openai/v1/files")
    assert unknown.status_code == 404
    assert outside.status_code == 404
    assert wrong_method.status_code == 405


async def test_bad_json_body_is_400(emulator: EmulatorHandle) -> None:
    headers = {"api-key": emulator.api_key, "content-type": "application/json"}
    async with httpx2.AsyncClient(base_url=emulator.base_url, headers=headers) as http:
        response = await http.post("/openai/v1/fine_tuning/jobs", content=b"{nope")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalidPayload"


async def test_bad_limit_is_400(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        await client.fine_tuning.jobs.list(limit=0)


async def test_health_and_admin_routes(emulator: EmulatorHandle) -> None:
    async with httpx2.AsyncClient(base_url=emulator.base_url) as http:
        health = await http.get("/emulator/health")
        assert health.json() == {"status": "ok"}
        denied = await http.post("/emulator/reset")
        assert denied.status_code == 401
        headers = {"api-key": emulator.api_key}
        clock = await http.post(
            "/emulator/clock", json={"speed": 0, "advance": 100}, headers=headers
        )
        assert clock.json()["speed"] == 0
        later = await http.get("/emulator/clock", headers=headers)
        assert later.json()["now"] == pytest.approx(clock.json()["now"])
        faults = await http.post(
            "/emulator/faults", json={"spec": "429=1"}, headers=headers
        )
        assert faults.status_code == 200
        limited = await http.get("/openai/v1/files", headers=headers)
        assert limited.status_code == 429
        bad = await http.post("/emulator/faults", json={"spec": "x=1"}, headers=headers)
        assert bad.status_code == 400
        await http.post("/emulator/reset", headers=headers)
        assert (await http.get("/openai/v1/files", headers=headers)).status_code == 200
        assert emulator.clock.speed > 0


async def test_malformed_content_length_is_400(emulator: EmulatorHandle) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", emulator.port)
    writer.write(
        b"POST /openai/v1/fine_tuning/jobs HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: lots\r\n\r\n"
    )
    await writer.drain()
    status = await reader.readline()
    writer.close()
    assert status.startswith(b"HTTP/1.1 400")


async def test_models(client: AsyncOpenAI) -> None:
    ids = [m.id async for m in client.models.list()]
    assert "gpt-4o-mini-2024-07-18" in ids
    model = await client.models.retrieve("gpt-4o-mini-2024-07-18")
    assert model.id == "gpt-4o-mini-2024-07-18"
    with pytest.raises(openai.NotFoundError):
        await client.models.retrieve("no-such-model")
