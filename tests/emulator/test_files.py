"""Files API of the emulator: upload, processing states, validation errors, CRUD."""

from __future__ import annotations

import httpx2
import openai
import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI

from ftui.core.emulator.server import EmulatorHandle
from tests.emulator.conftest import upload
from tests.emulator.data import invalid_bytes, training_bytes


async def test_upload_goes_pending_running_processed(
    emulator: EmulatorHandle, azure: AsyncAzureOpenAI
) -> None:
    emulator.set_speed(0)  # time moves only when the test says so
    created = await azure.files.create(
        file=("train.jsonl", training_bytes()), purpose="fine-tune"
    )
    assert created.status == "pending"
    assert created.purpose == "fine-tune"
    assert created.filename == "train.jsonl"
    assert created.bytes == len(training_bytes())
    assert created.id.startswith("file-")
    emulator.advance(2.5)
    assert (await azure.files.retrieve(created.id)).status == "running"
    emulator.advance(10)
    done = await azure.files.retrieve(created.id)
    assert done.status == "processed"
    assert done.status_details is None


async def test_invalid_file_ends_in_error_with_details(azure: AsyncAzureOpenAI) -> None:
    result = await upload(azure, invalid_bytes(), "bad.jsonl")
    assert result.status == "error"
    details = result.status_details
    assert details is not None
    # The validator's findings, with line numbers, reach the user.
    assert "line 4" in details
    assert "asistant" in details
    assert "line 7" in details


async def test_content_is_byte_exact(client: AsyncOpenAI) -> None:
    data = b"\xef\xbb\xbf" + training_bytes(10).replace(b"\n", b"\r\n") + b"caf\xc3\xa9"
    created = await client.files.create(
        file=("bom crlf.jsonl", data), purpose="fine-tune"
    )
    content = await client.files.content(created.id)
    assert content.read() == data


async def test_list_retrieve_delete(client: AsyncOpenAI) -> None:
    first = await upload(client, training_bytes(10), "a.jsonl")
    second = await upload(client, training_bytes(11), "b.jsonl")
    page = await client.files.list(purpose="fine-tune")
    assert [f.id for f in page.data] == [second.id, first.id]  # newest first
    assert (await client.files.retrieve(first.id)).filename == "a.jsonl"
    deleted = await client.files.delete(first.id)
    assert deleted.deleted is True
    assert deleted.id == first.id
    with pytest.raises(openai.NotFoundError) as info:
        await client.files.retrieve(first.id)
    assert info.value.code == "notFound"
    assert [f.id for f in (await client.files.list()).data] == [second.id]


async def test_list_paginates(client: AsyncOpenAI) -> None:
    ids = [
        (await upload(client, training_bytes(10), f"{i}.jsonl")).id for i in range(5)
    ]
    seen = [f.id async for f in client.files.list(limit=2)]
    assert seen == list(reversed(ids))


async def test_upload_needs_a_known_purpose(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError):
        await client.files.create(
            file=("x.jsonl", training_bytes()),
            purpose="nonsense",  # type: ignore[arg-type]
        )


async def test_upload_from_open_file(client: AsyncOpenAI, tmp_path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(training_bytes())
    with path.open("rb") as handle:
        created = await client.files.create(file=handle, purpose="fine-tune")
    assert created.filename == "train.jsonl"
    assert (await client.files.content(created.id)).read() == training_bytes()


async def test_chunked_upload_body(emulator: EmulatorHandle) -> None:
    data = training_bytes()
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="purpose"\r\n\r\n'
        b"fine-tune\r\n"
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="file"; filename="c.jsonl"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--XyZ--\r\n"
    )

    async def pieces():
        for start in range(0, len(body), 300):
            yield body[start : start + 300]

    async with httpx2.AsyncClient(base_url=emulator.base_url) as http:
        response = await http.post(
            "/openai/v1/files",
            content=pieces(),  # no length known: sent with chunked encoding
            headers={
                "api-key": emulator.api_key,
                "content-type": "multipart/form-data; boundary=XyZ",
            },
        )
        assert response.status_code == 200, response.text
        file_id = response.json()["id"]
        content = await http.get(
            f"/openai/v1/files/{file_id}/content",
            headers={"api-key": emulator.api_key},
        )
    assert content.content == data
