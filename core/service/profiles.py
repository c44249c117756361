"""Connection profiles (Azure dated API, Azure v1 API, OpenAI) and their SDK clients.

A profile lives in ``config.toml`` (`ftui.core.paths.config_file`)::

    default_profile = "work"

    [profiles.work]
    kind = "azure"                        # "azure" (dated API), "azure-v1" or "openai"
    endpoint = "https://RES.openai.azure.com"
    api_version = "2025-04-01-preview"    # dated API only
    api_key_env = "AZURE_OPENAI_API_KEY"  # the key is read from this variable...
    # api_key = "..."                     # ...or stored here (file then kept 0600)
    # auth = "entra"                      # Microsoft Entra ID instead of a key

Selection order: ``--profile NAME``; else ``default_profile``; else, with no
profile at all, the SDK's own environment variables (see `profile_from_env`).
Other sections of the file (``[defaults]``, ``[models.*]``) belong to other parts
of ftui and are preserved byte-for-byte when a profile is written (tomlkit).
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from ftui.core.errors import ConfigError
from ftui.core.paths import config_file
from ftui.core.service.secrets import install_log_filter, mask_secret, register_secret

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = [
    "DEFAULT_API_VERSION",
    "ENTRA_SCOPE",
    "AuthMethod",
    "Profile",
    "ProfileKind",
    "build_client",
    "default_profile_name",
    "get_profile",
    "list_profiles",
    "profile_from_env",
    "resolve_profile",
    "save_profile",
]

DEFAULT_API_VERSION = "2025-04-01-preview"
"""Dated Azure API version used when none is configured: the first one with
`method` (DPO), pause/resume and `trainingType` (reference §1.3)."""

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
"""Token scope of the Azure OpenAI data plane."""

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ProfileKind(StrEnum):
    """Which API a profile talks to."""

    AZURE = "azure"
    """Azure OpenAI dated API: `AsyncAzureOpenAI`, endpoint + `api-version`."""
    AZURE_V1 = "azure-v1"
    """Azure OpenAI v1 API: `AsyncOpenAI(base_url=".../openai/v1/")`."""
    OPENAI = "openai"
    """OpenAI itself (or any OpenAI-compatible base URL)."""


class AuthMethod(StrEnum):
    """How a profile authenticates."""

    KEY = "key"
    ENTRA = "entra"


class Profile(BaseModel):
    """One way to reach a fine-tuning service. The key is never shown or serialised."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: ProfileKind
    endpoint: str | None = None
    """Azure resource URL, e.g. `https://RES.openai.azure.com` (both Azure kinds)."""
    base_url: str | None = None
    """Explicit base URL (OpenAI-compatible, or an Azure v1 URL)."""
    api_version: str | None = None
    """Azure dated API only; `DEFAULT_API_VERSION` when unset."""
    auth: AuthMethod = AuthMethod.KEY
    api_key_env: str | None = None
    """Environment variable holding the key."""
    api_key: SecretStr | None = None
    """Key stored in the config file by the user (discouraged; file kept 0600)."""
    source: str = "config"
    """"config" or "environment" (built from the SDK's variables)."""

    @property
    def is_azure(self) -> bool:
        """True for both Azure kinds."""
        return self.kind in (ProfileKind.AZURE, ProfileKind.AZURE_V1)

    @property
    def effective_api_version(self) -> str | None:
        """The api-version sent on the dated Azure API, else None."""
        if self.kind is ProfileKind.AZURE:
            return self.api_version or DEFAULT_API_VERSION
        return None

    @property
    def url(self) -> str:
        """The URL requests go to, for display and error messages."""
        if self.kind is ProfileKind.AZURE:
            return (self.endpoint or "").rstrip("/")
        if self.kind is ProfileKind.AZURE_V1:
            return self.v1_base_url()
        return self.base_url or "https://api.openai.com/v1"

    def v1_base_url(self) -> str:
        """Base URL of the Azure v1 API (`<endpoint>/openai/v1/`)."""
        if self.base_url:
            return self.base_url
        endpoint = (self.endpoint or "").rstrip("/")
        if endpoint.endswith("/openai/v1"):
            return endpoint + "/"
        return endpoint + "/openai/v1/"

    def resolve_api_key(self, environ: Mapping[str, str] | None = None) -> str | None:
        """Return the key (named variable, else the file); it is registered as secret.

        Args:
            environ: Environment to read; `os.environ` by default.

        Returns:
            The key, or None when the profile has none (e.g. Entra ID).
        """
        env = os.environ if environ is None else environ
        key: str | None = None
        if self.api_key_env:
            key = env.get(self.api_key_env) or None
        if key is None and self.api_key is not None:
            key = self.api_key.get_secret_value() or None
        register_secret(key)
        return key

    def key_source(self, environ: Mapping[str, str] | None = None) -> str:
        """Say where the key comes from, masked (for `ftui config show`)."""
        if self.auth is AuthMethod.ENTRA:
            return "Microsoft Entra ID (azure-identity DefaultAzureCredential)"
        env = os.environ if environ is None else environ
        if self.api_key_env:
            value = env.get(self.api_key_env)
            if value:
                register_secret(value)
                return f"${self.api_key_env} ({mask_secret(value)})"
            if self.api_key is None:
                return f"${self.api_key_env} (not set)"
        if self.api_key is not None:
            masked = mask_secret(self.api_key.get_secret_value())
            return f"stored in config file ({masked})"
        return "(no key configured)"

    def describe(self, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
        """A JSON-ready summary with the key masked.

        Args:
            environ: Environment to read; `os.environ` by default.

        Returns:
            name, kind, url, api_version, auth, key, source.
        """
        return {
            "name": self.name,
            "kind": self.kind.value,
            "url": self.url,
            "api_version": self.effective_api_version,
            "auth": self.auth.value,
            "key": self.key_source(environ),
            "source": self.source,
        }


# --------------------------------------------------------------------------- file


def _load_document(path: Path | None = None) -> Any:
    import tomlkit

    path = path or config_file()
    if not path.exists():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except Exception as exc:  # tomlkit raises several parse error types
        raise ConfigError(f"cannot read {path}: {exc}") from None


def _profile_from_table(name: str, table: Mapping[str, Any], path: Path) -> Profile:
    data = {
        str(k): (v.unwrap() if hasattr(v, "unwrap") else v) for k, v in table.items()
    }
    try:
        profile = Profile(name=name, source="config", **data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"profile {name!r} in {path} is invalid: {problems}"
        ) from None
    if profile.api_key is not None:
        register_secret(profile.api_key.get_secret_value())
    return profile


def list_profiles(path: Path | None = None) -> list[Profile]:
    """Return the profiles in the config file, in file order.

    Args:
        path: Config file; `config_file()` by default.

    Returns:
        The profiles (empty when the file or section is absent).

    Raises:
        ConfigError: The file cannot be parsed or a profile is invalid.
    """
    path = path or config_file()
    doc = _load_document(path)
    section = doc.get("profiles")
    if section is None:
        return []
    if not hasattr(section, "items"):
        raise ConfigError(f"'profiles' in {path} must be a table of [profiles.NAME]")
    return [_profile_from_table(str(n), t, path) for n, t in section.items()]


def default_profile_name(path: Path | None = None) -> str | None:
    """The top-level `default_profile` of the config file, if any."""
    value = _load_document(path).get("default_profile")
    return str(value) if value else None


def get_profile(name: str, path: Path | None = None) -> Profile:
    """Return one profile by name.

    Raises:
        ConfigError: No profile has that name (the message lists the known ones).
    """
    profiles = list_profiles(path)
    for profile in profiles:
        if profile.name == name:
            return profile
    known = ", ".join(p.name for p in profiles) or "none"
    raise ConfigError(
        f"no profile named {name!r} in {path or config_file()} (known: {known}); "
        "add one with `ftui config add`"
    )


def save_profile(
    profile: Profile, *, make_default: bool = False, path: Path | None = None
) -> Path:
    """Write (add or replace) a profile, keeping everything else in the file.

    The file is written atomically. When any profile in it stores a key, the file
    is created or rewritten with mode 0600.

    Args:
        profile: The profile to store (its `source` is not written).
        make_default: Also set `default_profile` to this profile.
        path: Config file; `config_file()` by default.

    Returns:
        The path written.

    Raises:
        ConfigError: The name is not usable as a TOML key, or the file is unreadable.
    """
    import tomlkit

    if not _NAME_RE.match(profile.name):
        raise ConfigError(
            f"profile name {profile.name!r}: use 1-64 letters, digits, '_', '-' or '.'"
        )
    path = path or config_file()
    doc = _load_document(path)
    if make_default or "default_profile" not in doc:
        # tomlkit places a new top-level key above the tables, so it stays top-level.
        doc["default_profile"] = profile.name
    profiles = doc.get("profiles")
    if profiles is None:
        profiles = tomlkit.table(is_super_table=True)
        doc["profiles"] = profiles
    table = tomlkit.table()
    table["kind"] = profile.kind.value
    for field in ("endpoint", "base_url", "api_version", "api_key_env"):
        value = getattr(profile, field)
        if value:
            table[field] = value
    if profile.auth is not AuthMethod.KEY:
        table["auth"] = profile.auth.value
    if profile.api_key is not None:
        table["api_key"] = profile.api_key.get_secret_value()
    profiles[profile.name] = table
    text = tomlkit.dumps(doc)
    holds_secret = any(p.api_key is not None for p in _profiles_in(doc, path))
    _atomic_write_text(path, text, private=holds_secret)
    return path


def _profiles_in(doc: Any, path: Path) -> list[Profile]:
    section = doc.get("profiles") or {}
    return [_profile_from_table(str(n), t, path) for n, t in section.items()]


def _atomic_write_text(path: Path, text: str, *, private: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    if private:
        mode = 0o600
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600; widen only when no secret is inside.
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------- environment


def profile_from_env(environ: Mapping[str, str] | None = None) -> Profile:
    """Build a profile from the SDK's own environment variables.

    Decision, first match wins:

    1. ``AZURE_OPENAI_ENDPOINT`` set → Azure. If it ends in ``/openai/v1`` it is
       the v1 API; otherwise the dated API with ``OPENAI_API_VERSION`` (default
       `DEFAULT_API_VERSION`). Key from ``AZURE_OPENAI_API_KEY``; without it,
       Microsoft Entra ID.
    2. ``OPENAI_BASE_URL`` pointing at Azure (``.azure.com`` or ``/openai/v1``) →
       Azure v1 API, key from ``OPENAI_API_KEY`` (else ``AZURE_OPENAI_API_KEY``).
    3. ``OPENAI_API_KEY`` set → OpenAI (``OPENAI_BASE_URL`` honoured).

    Args:
        environ: Environment to read; `os.environ` by default.

    Returns:
        A profile named "env" with `source="environment"`.

    Raises:
        ConfigError: None of those variables is set.
    """
    env = os.environ if environ is None else environ
    endpoint = env.get("AZURE_OPENAI_ENDPOINT", "").strip()
    base_url = env.get("OPENAI_BASE_URL", "").strip()
    if endpoint:
        has_key = bool(env.get("AZURE_OPENAI_API_KEY"))
        auth = AuthMethod.KEY if has_key else AuthMethod.ENTRA
        key_env = "AZURE_OPENAI_API_KEY" if has_key else None
        if endpoint.rstrip("/").endswith("/openai/v1"):
            return Profile(
                name="env",
                kind=ProfileKind.AZURE_V1,
                endpoint=endpoint,
                auth=auth,
                api_key_env=key_env,
                source="environment",
            )
        return Profile(
            name="env",
            kind=ProfileKind.AZURE,
            endpoint=endpoint,
            api_version=env.get("OPENAI_API_VERSION") or None,
            auth=auth,
            api_key_env=key_env,
            source="environment",
        )
    if base_url and (".azure.com" in base_url or "/openai/v1" in base_url):
        key_env = (
            "OPENAI_API_KEY" if env.get("OPENAI_API_KEY") else "AZURE_OPENAI_API_KEY"
        )
        return Profile(
            name="env",
            kind=ProfileKind.AZURE_V1,
            base_url=base_url,
            api_key_env=key_env,
            auth=AuthMethod.KEY if env.get(key_env) else AuthMethod.ENTRA,
            source="environment",
        )
    if env.get("OPENAI_API_KEY"):
        return Profile(
            name="env",
            kind=ProfileKind.OPENAI,
            base_url=base_url or None,
            api_key_env="OPENAI_API_KEY",
            source="environment",
        )
    raise ConfigError(
        "no connection profile: add one with `ftui config add`, or set "
        "AZURE_OPENAI_ENDPOINT + AZURE_OPENAI_API_KEY (+ OPENAI_API_VERSION) for "
        "Azure, "
        "or OPENAI_API_KEY for OpenAI"
    )


def resolve_profile(
    name: str | None = None,
    *,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Profile:
    """Pick the profile to use: `name`, else `default_profile`, else the environment.

    Args:
        name: The `--profile` argument, if given.
        path: Config file; `config_file()` by default.
        environ: Environment to read; `os.environ` by default.

    Returns:
        The selected profile.

    Raises:
        ConfigError: The named profile does not exist, the file is invalid, or
            nothing is configured at all.
    """
    if name:
        return get_profile(name, path)
    default = default_profile_name(path)
    if default:
        return get_profile(default, path)
    return profile_from_env(environ)


# --------------------------------------------------------------------------- client


def _entra_token_provider() -> Callable[[], str]:
    try:
        from azure.identity import (  # type: ignore[import-not-found, unused-ignore]
            DefaultAzureCredential,
            get_bearer_token_provider,
        )
    except ImportError:
        raise ConfigError(
            "Microsoft Entra ID sign-in needs the azure-identity package: "
            "pip install 'ftui[entra]'"
        ) from None
    provider: Callable[[], str] = get_bearer_token_provider(
        DefaultAzureCredential(), ENTRA_SCOPE
    )

    def token() -> str:
        value = provider()
        register_secret(value)
        return value

    return token


def build_client(
    profile: Profile,
    *,
    max_retries: int = 2,
    timeout: float | None = None,
    http_client: Any = None,
    environ: Mapping[str, str] | None = None,
) -> AsyncOpenAI:
    """Create the async SDK client for a profile.

    Args:
        profile: The profile to connect with.
        max_retries: The SDK's own retries (it retries connection errors, 408,
            409, 429 and 5xx).
        timeout: Request timeout in seconds; the SDK's default when None.
        http_client: An `httpx2.AsyncClient` (tests pass a mock transport).
        environ: Environment to read the key from; `os.environ` by default.

    Returns:
        `AsyncAzureOpenAI` for the dated Azure API, else `AsyncOpenAI`.

    Raises:
        ConfigError: Missing endpoint or key, or Entra ID without azure-identity.
    """
    import openai

    install_log_filter()
    extra: dict[str, Any] = {"max_retries": max_retries}
    if timeout is not None:
        extra["timeout"] = timeout
    if http_client is not None:
        extra["http_client"] = http_client
    key = profile.resolve_api_key(environ) if profile.auth is AuthMethod.KEY else None
    if profile.auth is AuthMethod.KEY and not key:
        where = f"${profile.api_key_env}" if profile.api_key_env else "the profile"
        raise ConfigError(
            f"profile {profile.name!r} has no API key: set {where}, store one with "
            "`ftui config add --store-key`, or use `--entra`"
        )
    if profile.is_azure and not (profile.endpoint or profile.base_url):
        raise ConfigError(f"profile {profile.name!r} has no endpoint")

    if profile.kind is ProfileKind.AZURE:
        if not profile.endpoint:
            raise ConfigError(
                f"profile {profile.name!r} (dated Azure API) needs an endpoint"
            )
        if profile.auth is AuthMethod.ENTRA:
            return openai.AsyncAzureOpenAI(
                azure_endpoint=profile.endpoint,
                api_version=profile.effective_api_version,
                azure_ad_token_provider=_entra_token_provider(),
                **extra,
            )
        return openai.AsyncAzureOpenAI(
            azure_endpoint=profile.endpoint,
            api_version=profile.effective_api_version,
            api_key=key,
            **extra,
        )

    base_url = (
        profile.v1_base_url()
        if profile.kind is ProfileKind.AZURE_V1
        else profile.base_url
    )
    if profile.auth is AuthMethod.ENTRA:
        sync_provider = _entra_token_provider()

        async def async_provider() -> str:
            # DefaultAzureCredential is synchronous; keep it off the event loop.
            return await asyncio.to_thread(sync_provider)

        return openai.AsyncOpenAI(base_url=base_url, api_key=async_provider, **extra)
    return openai.AsyncOpenAI(base_url=base_url, api_key=key, **extra)
