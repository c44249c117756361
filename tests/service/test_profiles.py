"""Profiles in config.toml, the environment fallback, client construction and Entra ID."""

from __future__ import annotations

import builtins
import os
import stat
from pathlib import Path
from typing import Any

import httpx2
import pytest
from openai import AsyncAzureOpenAI, AsyncOpenAI
from pydantic import SecretStr

from ftui.core.errors import ConfigError
from ftui.core.paths import config_file
from ftui.core.service import (
    AuthMethod,
    Profile,
    ProfileKind,
    build_client,
    list_profiles,
    profile_from_env,
    resolve_profile,
    save_profile,
)
from ftui.core.service.profiles import DEFAULT_API_VERSION, default_profile_name

OTHERS = """# written by the user
[defaults]
model = "gpt-4.1-mini-2025-04-14"  # keep this comment

[models."gpt-4o-mini-2024-07-18"]
training_price = 3.0
"""


def _azure(name: str = "work", **kw: Any) -> Profile:
    kw.setdefault("api_key_env", "AZURE_OPENAI_API_KEY")
    return Profile(
        name=name, kind=ProfileKind.AZURE, endpoint="https://res.openai.azure.com", **kw
    )


def test_save_keeps_other_sections_and_the_first_profile_becomes_default() -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text(OTHERS)
    save_profile(_azure(api_version="2024-10-21"))
    save_profile(Profile(name="oai", kind=ProfileKind.OPENAI, api_key_env="K"))
    text = path.read_text()
    assert text.startswith(OTHERS.split("[defaults]")[0])
    assert 'model = "gpt-4.1-mini-2025-04-14"  # keep this comment' in text
    assert "training_price = 3.0" in text
    assert default_profile_name() == "work"
    profiles = list_profiles()
    assert [p.name for p in profiles] == ["work", "oai"]
    assert profiles[0].api_version == "2024-10-21"
    assert profiles[0].effective_api_version == "2024-10-21"
    assert resolve_profile(None).name == "work"
    assert resolve_profile("oai").kind is ProfileKind.OPENAI
    save_profile(Profile(name="oai", kind=ProfileKind.OPENAI), make_default=True)
    assert default_profile_name() == "oai"
    assert [p.name for p in list_profiles()] == ["work", "oai"]  # replaced in place


def test_a_stored_key_makes_the_file_private() -> None:
    save_profile(_azure())
    path = config_file()
    assert stat.S_IMODE(path.stat().st_mode) & 0o077 == (0o666 & ~_umask()) & 0o077
    save_profile(_azure("secret", api_key=SecretStr("stored-key-abcdefghijklmnop")))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = resolve_profile("secret")
    assert loaded.resolve_api_key({}) == "stored-key-abcdefghijklmnop"
    assert "stored-key" not in repr(loaded)
    assert "stored-key" not in str(loaded)
    assert "stored-key" not in str(loaded.describe({}))
    assert loaded.describe({})["key"].endswith("mnop)")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_unknown_profile_lists_the_known_ones() -> None:
    save_profile(_azure())
    with pytest.raises(ConfigError, match="known: work"):
        resolve_profile("nope")


def test_invalid_profile_table_is_a_config_error() -> None:
    path = config_file()
    path.parent.mkdir(parents=True)
    path.write_text('[profiles.bad]\nkind = "azure"\nendpoint = 3\ncolour = "red"\n')
    with pytest.raises(ConfigError, match="bad"):
        list_profiles()


@pytest.mark.parametrize(
    ("env", "kind", "auth", "expected"),
    [
        (
            {
                "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com",
                "AZURE_OPENAI_API_KEY": "k" * 20,
                "OPENAI_API_VERSION": "2024-10-21",
                "OPENAI_API_KEY": "ignored-because-azure-wins",
            },
            ProfileKind.AZURE,
            AuthMethod.KEY,
            {"api_version": "2024-10-21", "api_key_env": "AZURE_OPENAI_API_KEY"},
        ),
        (
            {"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"},
            ProfileKind.AZURE,
            AuthMethod.ENTRA,
            {"effective_api_version": DEFAULT_API_VERSION},
        ),
        (
            {
                "AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com/openai/v1/",
                "AZURE_OPENAI_API_KEY": "k" * 20,
            },
            ProfileKind.AZURE_V1,
            AuthMethod.KEY,
            {"url": "https://r.openai.azure.com/openai/v1/"},
        ),
        (
            {
                "OPENAI_BASE_URL": "https://r.openai.azure.com/openai/v1/",
                "OPENAI_API_KEY": "k" * 20,
            },
            ProfileKind.AZURE_V1,
            AuthMethod.KEY,
            {"api_key_env": "OPENAI_API_KEY"},
        ),
        (
            {"OPENAI_API_KEY": "k" * 20},
            ProfileKind.OPENAI,
            AuthMethod.KEY,
            {"url": "https://api.openai.com/v1"},
        ),
        (
            {"OPENAI_API_KEY": "k" * 20, "OPENAI_BASE_URL": "http://localhost:1/v1"},
            ProfileKind.OPENAI,
            AuthMethod.KEY,
            {"url": "http://localhost:1/v1"},
        ),
    ],
)
def test_environment_fallback(
    env: dict[str, str], kind: ProfileKind, auth: AuthMethod, expected: dict[str, Any]
) -> None:
    profile = profile_from_env(env)
    assert profile.kind is kind
    assert profile.auth is auth
    assert profile.source == "environment"
    for attr, value in expected.items():
        assert getattr(profile, attr) == value


def test_no_profile_and_no_environment_says_what_to_do() -> None:
    with pytest.raises(ConfigError, match="ftui config add"):
        resolve_profile(None, environ={})


def test_environment_is_used_only_without_a_default_profile() -> None:
    env = {"OPENAI_API_KEY": "k" * 20}
    assert resolve_profile(None, environ=env).source == "environment"
    save_profile(_azure())
    assert resolve_profile(None, environ=env).name == "work"


async def test_clients_hit_the_right_urls_with_the_right_auth_header() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            200, json={"object": "list", "data": [], "has_more": False}
        )

    def http() -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))

    env = {"KEY": "secret-value-0123456789"}
    dated = _azure(api_key_env="KEY", api_version="2024-10-21")
    v1 = Profile(
        name="v1",
        kind=ProfileKind.AZURE_V1,
        endpoint="https://res.openai.azure.com/",
        api_key_env="KEY",
    )
    oai = Profile(name="o", kind=ProfileKind.OPENAI, api_key_env="KEY")
    for profile in (dated, v1, oai):
        client = build_client(profile, http_client=http(), environ=env)
        async with client:
            await client.fine_tuning.jobs.list(limit=1)
    assert isinstance(build_client(dated, environ=env), AsyncAzureOpenAI)
    assert type(build_client(v1, environ=env)) is AsyncOpenAI
    urls = [str(r.url) for r in seen]
    assert urls[0].startswith("https://res.openai.azure.com/openai/fine_tuning/jobs?")
    assert "api-version=2024-10-21" in urls[0]
    assert urls[1] == "https://res.openai.azure.com/openai/v1/fine_tuning/jobs?limit=1"
    assert urls[2] == "https://api.openai.com/v1/fine_tuning/jobs?limit=1"
    assert seen[0].headers["api-key"] == env["KEY"]
    assert seen[1].headers["authorization"] == f"Bearer {env['KEY']}"


def test_a_missing_key_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"\$AZURE_OPENAI_API_KEY"):
        build_client(_azure(), environ={})


def test_entra_without_azure_identity_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("azure.identity"):
            raise ImportError("No module named 'azure'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    profile = _azure(auth=AuthMethod.ENTRA, api_key_env=None)
    with pytest.raises(ConfigError, match=r"pip install 'ftui\[entra\]'"):
        build_client(profile, environ={})


async def test_entra_uses_a_bearer_token_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys
    import types

    scopes: list[str] = []
    fake = types.ModuleType("azure.identity")

    class DefaultAzureCredential:
        pass

    def get_bearer_token_provider(credential: object, scope: str) -> Any:
        scopes.append(scope)
        return lambda: "entra-token-0123456789abcdef"

    fake.DefaultAzureCredential = DefaultAzureCredential  # type: ignore[attr-defined]
    fake.get_bearer_token_provider = get_bearer_token_provider  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure", types.ModuleType("azure"))
    monkeypatch.setitem(sys.modules, "azure.identity", fake)
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(
            200, json={"object": "list", "data": [], "has_more": False}
        )

    for profile in (
        _azure(auth=AuthMethod.ENTRA, api_key_env=None),
        Profile(
            name="v1",
            kind=ProfileKind.AZURE_V1,
            endpoint="https://res.openai.azure.com",
            auth=AuthMethod.ENTRA,
        ),
    ):
        client = build_client(
            profile,
            http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
            environ={},
        )
        async with client:
            await client.fine_tuning.jobs.list(limit=1)
    assert scopes == ["https://cognitiveservices.azure.com/.default"] * 2
    assert all(
        r.headers["authorization"] == "Bearer entra-token-0123456789abcdef"
        for r in seen
    )


def test_profile_names_must_be_simple(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profile name"):
        save_profile(_azure("has space"), path=tmp_path / "c.toml")
