"""`ftui config list|show|add|test`: connection profiles (keys are always masked).

Exit status: 0 success; 1 `test` could not use the profile; 2 bad arguments or
configuration.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ftui.tui.cli.service_support import add_profile_option, clean, emit_json, run_async

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `config` subcommand and its actions."""
    parser = subparsers.add_parser(
        "config",
        help="list, show, add and test connection profiles",
        description="Connection profiles for Azure OpenAI (dated or v1 API) and "
        "OpenAI, stored in config.toml. API keys are read from an environment "
        "variable the profile names, or stored in the file if you ask "
        "(--store-key; the file is then kept private, mode 0600).",
    )
    actions = parser.add_subparsers(
        dest="config_action", metavar="ACTION", required=True
    )

    p = actions.add_parser("list", help="list profiles")
    p.add_argument("--json", action="store_true")

    p = actions.add_parser(
        "show", help="show one profile (default: the one commands would use)"
    )
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("--json", action="store_true")
    add_profile_option(p)

    p = actions.add_parser("add", help="add or replace a profile")
    p.add_argument("name", metavar="NAME")
    p.add_argument(
        "--kind",
        required=True,
        choices=("azure", "azure-v1", "openai"),
        help="azure = dated API (endpoint + api-version); azure-v1 = "
        "https://RES.openai.azure.com/openai/v1/; openai = api.openai.com",
    )
    p.add_argument("--endpoint", metavar="URL", help="https://RES.openai.azure.com")
    p.add_argument("--base-url", metavar="URL", help="explicit base URL")
    p.add_argument(
        "--api-version",
        metavar="V",
        help="dated API version (default 2025-04-01-preview)",
    )
    p.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable holding the key (default AZURE_OPENAI_API_KEY "
        "or OPENAI_API_KEY)",
    )
    auth = p.add_mutually_exclusive_group()
    auth.add_argument(
        "--store-key",
        action="store_true",
        help="ask for the key and store it in config.toml (mode 0600)",
    )
    auth.add_argument(
        "--entra",
        action="store_true",
        help="sign in with Microsoft Entra ID (needs pip install 'ftui[entra]')",
    )
    p.add_argument("--default", action="store_true", help="make it the default")

    p = actions.add_parser(
        "test", help="make one cheap call and say whether the profile works"
    )
    p.add_argument("name", nargs="?", metavar="NAME")
    add_profile_option(p)

    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Dispatch `ftui config ACTION`; returns the exit code."""
    return {"list": _list, "show": _show, "add": _add, "test": _test}[
        args.config_action
    ](args)


def _list(args: argparse.Namespace) -> int:
    from ftui.core.paths import config_file
    from ftui.core.service.profiles import default_profile_name, list_profiles

    profiles = list_profiles()
    default = default_profile_name()
    if args.json:
        emit_json(
            {
                "config_file": str(config_file()),
                "default_profile": default,
                "profiles": [p.describe() for p in profiles],
            }
        )
        return 0
    if not profiles:
        print(f"no profiles in {config_file()}; add one with `ftui config add`")
        return 0
    for profile in profiles:
        mark = "*" if profile.name == default else " "
        print(
            f"{mark} {clean(profile.name):<16} {profile.kind.value:<9} "
            f"{clean(profile.url):<48} {clean(profile.key_source())}"
        )
    return 0


def _selected(args: argparse.Namespace) -> Any:
    from ftui.core.service import resolve_profile

    return resolve_profile(args.name or args.profile)


def _show(args: argparse.Namespace) -> int:
    profile = _selected(args)
    info = profile.describe()
    if args.json:
        emit_json(info)
        return 0
    for key, value in info.items():
        if value is not None:
            print(f"{key:<12} {clean(value)}")
    return 0


def _read_key() -> str:
    from ftui.core.errors import ConfigError

    if sys.stdin is not None and sys.stdin.isatty():
        key = getpass.getpass("API key (not echoed): ")
    else:
        key = sys.stdin.readline() if sys.stdin is not None else ""
    key = key.strip()
    if not key:
        raise ConfigError("no key given")
    return key


def _add(args: argparse.Namespace) -> int:
    from pydantic import SecretStr

    from ftui.core.errors import ConfigError
    from ftui.core.service import AuthMethod, Profile, ProfileKind, save_profile
    from ftui.core.service.secrets import register_secret

    kind = ProfileKind(args.kind)
    if kind is not ProfileKind.OPENAI and not (args.endpoint or args.base_url):
        raise ConfigError(
            f"a {kind.value} profile needs --endpoint (https://RES.openai.azure.com)"
        )
    if args.api_version and kind is not ProfileKind.AZURE:
        raise ConfigError(
            "--api-version applies to the dated Azure API (--kind azure) only"
        )
    api_key = None
    key_env = args.api_key_env
    if args.store_key:
        value = _read_key()
        register_secret(value)
        api_key = SecretStr(value)
    elif not args.entra and not key_env:
        key_env = (
            "OPENAI_API_KEY" if kind is ProfileKind.OPENAI else "AZURE_OPENAI_API_KEY"
        )
    profile = Profile(
        name=args.name,
        kind=kind,
        endpoint=args.endpoint,
        base_url=args.base_url,
        api_version=args.api_version,
        auth=AuthMethod.ENTRA if args.entra else AuthMethod.KEY,
        api_key_env=key_env,
        api_key=api_key,
    )
    path = save_profile(profile, make_default=args.default)
    print(f"saved profile {clean(profile.name)} in {path}")
    print(f"  key: {clean(profile.key_source())}")
    return 0


def _test(args: argparse.Namespace) -> int:
    from ftui.core.errors import FtuiError
    from ftui.core.service import FineTuningService
    from ftui.core.service.diagnose import explain_connection_problem

    profile = _selected(args)
    label = f"{profile.name} ({profile.kind.value}, {profile.url})"
    try:
        service = FineTuningService.from_profile(profile, max_retries=0, timeout=20.0)
    except FtuiError as exc:
        print(f"ftui: profile {clean(label)}: {clean(exc)}", file=sys.stderr)
        return 1

    async def main() -> list[Any]:
        async with service:
            return await service.check_connection()

    try:
        jobs = run_async(main)
    except FtuiError as exc:
        print(
            f"ftui: {clean(explain_connection_problem(profile, exc))}", file=sys.stderr
        )
        return 1
    version = profile.effective_api_version
    detail = f", api-version {version}" if version else ""
    latency = service.last_latency or 0.0
    print(
        f"ok: {clean(label)} answered in {latency * 1000:.0f} ms{detail}; "
        f"authenticated; {'at least one job' if jobs else 'no jobs yet'} visible"
    )
    return 0
