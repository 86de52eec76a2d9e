"""Serve the sandbox on its own: ``python -m lib.sandbox --port 8765``.

The API key may also come from the ``SANDBOX_API_KEY`` environment variable, which keeps it out
of the process list. The key itself is printed only when it is the documented default.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from lib.sandbox.app import create_app
from lib.sandbox.config import (
    DEFAULT_SANDBOX_API_KEY,
    MAX_HORIZON_DAYS,
    SWITCHES,
    SandboxConfig,
    check_switch,
)
from lib.sandbox.faults import quiet_deliberate_drops
from lib.sandbox.server import bind_socket, format_base_url, uvicorn_config
from lib.sandbox.state import SandboxState


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lib.sandbox",
        description="Local Recall Calendar V1 sandbox.",
        epilog=(
            "Behaviour switches choose how the sandbox behaves where Recall's documentation is "
            "silent; the first value is the default unless stated. The same names, with "
            "underscores, are SandboxConfig fields, keys of GET/POST /_sandbox/config and of the "
            "console's [sandbox] settings. See lib/sandbox/README.md for the evidence."
        ),
    )
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--api-key",
        default=os.environ.get("SANDBOX_API_KEY") or DEFAULT_SANDBOX_API_KEY,
        help="workspace API key (default: $SANDBOX_API_KEY, else the documented sandbox key)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--rate-limit-scale", type=float, default=1.0)
    switches = parser.add_argument_group("behaviour switches")
    for switch in SWITCHES.values():
        if switch.name == "bad_rows":
            switches.add_argument(switch.flag, action="store_true", help=f"{switch.help} (off)")
        elif switch.name == "horizon_days":
            switches.add_argument(
                switch.flag,
                type=int,
                default=switch.default_value,
                metavar="N",
                help=f"{switch.help}; default %(default)s",
            )
        else:
            choices = [str(choice) for choice in switch.choices]
            switches.add_argument(
                switch.flag,
                choices=choices,
                default=str(switch.default_value),
                help=f"{switch.help}; default %(default)s",
            )
    args = parser.parse_args(argv)
    if not 1 <= args.horizon_days <= MAX_HORIZON_DAYS:
        parser.error(f"--horizon-days must be between 1 and {MAX_HORIZON_DAYS}")
    if args.users < 1:
        parser.error("--users must be at least 1")
    if not 0.0 <= args.fault_rate <= 1.0:
        parser.error("--fault-rate must be between 0 and 1")
    if args.latency_ms < 0 or args.rate_limit_scale < 0:
        parser.error("--latency-ms and --rate-limit-scale cannot be negative")
    if not args.api_key.strip():
        parser.error("--api-key cannot be blank")
    return args


def switch_values(args: argparse.Namespace) -> dict[str, object]:
    """The behaviour switches from parsed arguments, typed as ``SandboxConfig`` wants them."""
    return {name: check_switch(name, getattr(args, name)) for name in SWITCHES}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = SandboxConfig(
        api_key=args.api_key,
        seed=args.seed,
        users=args.users,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        rate_limit_scale=args.rate_limit_scale,
        **switch_values(args),
    )
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"Cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    state = SandboxState(config)
    base_url = format_base_url(args.host, sock.getsockname()[1])
    if config.api_key == DEFAULT_SANDBOX_API_KEY:
        key_note = f"API key: {DEFAULT_SANDBOX_API_KEY} (the default)"
    else:
        key_note = "API key: set (not shown)"
    print(f"Recall Calendar V1 sandbox at {base_url}", flush=True)
    print(f"{key_note}; {state.user_count} calendar users, seed {config.seed}", flush=True)
    print(f"Stats: {base_url}/_sandbox/stats  Info: {base_url}/_sandbox/info", flush=True)
    changed = [
        f"{name}={value}"
        for name, value in config.switches().items()
        if value != SWITCHES[name].default_value
    ]
    if changed:
        print(f"Switches: {' '.join(changed)}", flush=True)
    quiet_deliberate_drops()
    server = uvicorn.Server(uvicorn_config(create_app(config, state=state)))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
