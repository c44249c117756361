"""API keys never appear in output, logs, error messages or tracebacks."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

import httpx2
import pytest
from openai import AsyncAzureOpenAI

from ftui.core.errors import ServiceError
from ftui.core.service import (
    FineTuningService,
    JobRequest,
    Profile,
    ProfileKind,
    ServiceAuthError,
    mask_secret,
    scrub,
)
from ftui.core.service.secrets import install_log_filter, register_secret
from tests.service.conftest import CANARY_KEY, KEY_ENV, MODEL

WRONG_CANARY = "sk-ftui-WRONG-CANARY-9e8d7c6b5a4f3e2d1c0b"


def test_mask_shows_at_most_the_last_four_characters() -> None:
    assert mask_secret(None) == "(not set)"
    assert mask_secret("") == "(not set)"
    assert mask_secret("short") == "****"
    assert mask_secret(CANARY_KEY) == "****" + CANARY_KEY[-4:]
    assert CANARY_KEY[:-4] not in mask_secret(CANARY_KEY)


def test_scrub_hides_registered_secrets_only() -> None:
    register_secret(CANARY_KEY)
    text = f"key={CANARY_KEY}; again {CANARY_KEY}; other=sk-not-registered"
    cleaned = scrub(text)
    assert CANARY_KEY not in cleaned
    assert cleaned.count("****") == 2
    assert "sk-not-registered" in cleaned


def test_log_records_of_sdk_child_loggers_are_scrubbed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    register_secret(CANARY_KEY)
    install_log_filter()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("openai._base_client").debug(
        "headers: %s", {"api-key": CANARY_KEY}
    )
    logging.getLogger("httpx2").info("Authorization: Bearer " + CANARY_KEY)
    assert caplog.records
    assert CANARY_KEY not in caplog.text
    assert "****" in caplog.text


def test_error_messages_from_the_service_are_scrubbed() -> None:
    register_secret(CANARY_KEY)

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            401,
            json={"error": {"code": "401", "message": f"bad key {CANARY_KEY}"}},
        )

    client = AsyncAzureOpenAI(
        azure_endpoint="https://example.openai.azure.com",
        api_key=CANARY_KEY,
        api_version="2025-04-01-preview",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
        max_retries=0,
    )
    service = FineTuningService(client)

    async def call() -> None:
        async with service:
            await service.list_jobs()

    import asyncio

    with pytest.raises(ServiceAuthError) as caught:
        asyncio.run(call())
    rendered = "".join(traceback.format_exception(caught.value))
    assert "bad key ****" in str(caught.value)
    assert CANARY_KEY not in rendered
    assert caught.value.__cause__ is None  # the SDK exception is not chained in


def test_profile_never_renders_its_stored_key() -> None:
    from pydantic import SecretStr

    profile = Profile(
        name="p",
        kind=ProfileKind.OPENAI,
        api_key=SecretStr(CANARY_KEY),
    )
    assert CANARY_KEY not in repr(profile)
    assert CANARY_KEY not in str(profile.model_dump())
    assert CANARY_KEY not in profile.model_dump_json()
    assert CANARY_KEY not in str(profile.describe({}))


@pytest.mark.parametrize("route", [ProfileKind.AZURE, ProfileKind.AZURE_V1])
async def test_nothing_leaks_in_a_whole_session_with_debug_logs(
    emu: Any,
    route: ProfileKind,
    train_file: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("WRONG_KEY", WRONG_CANARY)
    good = Profile(
        name="good", kind=route, endpoint=emu.azure_endpoint, api_key_env=KEY_ENV
    )
    bad = good.model_copy(update={"api_key_env": "WRONG_KEY"})
    texts: list[str] = []
    async with FineTuningService.from_profile(good, max_retries=0) as service:
        file = await service.upload_file(train_file, poll_interval=0.01)
        job = await service.create_job(JobRequest(model=MODEL, training_file=file.id))
        await service.get_job_detail(job.id)
        try:
            await service.retrieve_job("ftjob-missing")
        except ServiceError as exc:
            texts.append("".join(traceback.format_exception(exc)))
    async with FineTuningService.from_profile(bad, max_retries=0) as service:
        with pytest.raises(ServiceAuthError) as caught:
            await service.list_jobs()
        texts.append("".join(traceback.format_exception(caught.value)))
    out, err = capsys.readouterr()
    everything = "\n".join([caplog.text, out, err, *texts])
    assert "401" in everything  # the failure itself is visible...
    assert CANARY_KEY not in everything  # ...but neither key is
    assert WRONG_CANARY not in everything


def test_service_error_text_is_one_safe_line() -> None:
    from ftui.core.service.errors import ServiceRequestError

    err = ServiceRequestError("bad\n\x1b[31mred\x1b[0m\tthing")
    text = str(err)
    assert "\n" not in text
    assert "\x1b" not in text
    assert "\\x1b[31mred" in text
