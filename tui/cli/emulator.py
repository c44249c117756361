"""`ftui emulator`: run the local Azure OpenAI fine-tuning emulator (foreground)."""

from __future__ import annotations

import argparse
import signal
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `emulator` subcommand."""
    parser = subparsers.add_parser(
        "emulator",
        help="run a local emulator of the Azure OpenAI fine-tuning API",
        description="Serve a local emulator of the Azure OpenAI fine-tuning data "
        "plane (files, fine-tuning jobs, events, checkpoints, chat with the "
        "trained model) until Ctrl-C. State lives in memory and a temp folder.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface (default %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8765,
        help="TCP port, 0 = any free (default %(default)s)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=60.0,
        help="simulated seconds per real second (default %(default)s)",
    )
    parser.add_argument(
        "--faults",
        default="",
        metavar="SPEC",
        help="inject faults, e.g. 429=0.1,5xx=0.1,drop=0.1,latency=0.2,seed=1 "
        "(also drop_after=P, delay=S, retry_after=S)",
    )
    parser.add_argument(
        "--api-key",
        default=None,
        help="the fake key clients must send (default emulator-key)",
    )
    parser.add_argument(
        "--stream-delay",
        type=float,
        default=0.03,
        help="seconds between streamed chat chunks (default %(default)s)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not print a line per request"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the emulator, print how to connect, serve until Ctrl-C."""
    from ftui.core.emulator.faults import parse_faults
    from ftui.core.emulator.server import DEFAULT_API_KEY, start_emulator
    from ftui.core.errors import ConfigError

    try:
        faults = parse_faults(args.faults)
    except ValueError as exc:
        raise ConfigError(f"--faults: {exc}") from None
    if args.speed < 0:
        raise ConfigError("--speed must be 0 or more")

    def log(line: str) -> None:
        # Request lines come from server threads; print whole lines only.
        print(line, file=sys.stderr, flush=True)

    try:
        handle = start_emulator(
            host=args.host,
            port=args.port,
            speed=args.speed,
            faults=faults,
            api_key=args.api_key or DEFAULT_API_KEY,
            stream_delay=max(0.0, args.stream_delay),
            log=None if args.quiet else log,
        )
    except OSError as exc:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {exc}") from None

    def stop_on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # `kill` stops it as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, stop_on_term)
    try:
        print(f"ftui emulator listening on {handle.base_url}", flush=False)
        print(f"API key (fake, local only): {handle.api_key}")
        print(f"Files kept in (removed on exit): {handle.state.data_dir}")
        print(
            f"Speed: {args.speed:g} simulated seconds per second (durations are "
            f"compressed, timestamps follow your clock); faults: "
            f"{args.faults or 'none'}"
        )
        print()
        print("# Azure dated API (AzureOpenAI):")
        print(f"export AZURE_OPENAI_ENDPOINT={handle.azure_endpoint}")
        print(f"export AZURE_OPENAI_API_KEY={handle.api_key}")
        print("export OPENAI_API_VERSION=2025-04-01-preview")
        print()
        print("# Azure v1 API (OpenAI client):")
        print(f"export OPENAI_BASE_URL={handle.v1_base_url}")
        print(f"export OPENAI_API_KEY={handle.api_key}")
        print()
        print(
            "Chat with a succeeded job's model: use its fine_tuned_model as the "
            "deployment name. Press Ctrl-C to stop.",
            flush=True,
        )
        handle.wait()
    except KeyboardInterrupt:
        print("ftui emulator stopped", file=sys.stderr)
    finally:
        handle.stop()
    return 0
