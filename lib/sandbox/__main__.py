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
from lib.sandbox.config import DEFAULT_SANDBOX_API_KEY, SandboxConfig
from lib.sandbox.faults import quiet_deliberate_drops
from lib.sandbox.server import bind_socket, format_base_url, uvicorn_config
from lib.sandbox.state import SandboxState


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m lib.sandbox", description="Local Recall Calendar V1 sandbox."
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
    parser.add_argument(
        "--bot-api-shape",
        choices=("v1.11", "v1.10"),
        default="v1.11",
        help="answer the Bot API in the current shape or the legacy v1.10 one",
    )
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    if not 0.0 <= args.fault_rate <= 1.0:
        parser.error("--fault-rate must be between 0 and 1")
    if args.latency_ms < 0 or args.rate_limit_scale < 0:
        parser.error("--latency-ms and --rate-limit-scale cannot be negative")
    if not args.api_key.strip():
        parser.error("--api-key cannot be blank")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = SandboxConfig(
        api_key=args.api_key,
        seed=args.seed,
        users=args.users,
        latency_ms=args.latency_ms,
        fault_rate=args.fault_rate,
        rate_limit_scale=args.rate_limit_scale,
        bot_api_shape=args.bot_api_shape,
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
    quiet_deliberate_drops()
    server = uvicorn.Server(uvicorn_config(create_app(config, state=state)))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
