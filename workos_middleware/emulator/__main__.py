"""The ``workos-emulator`` command: serve the emulator with uvicorn."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .app import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, create_app
from .data import DataError
from .redirects import LOOPBACK_HOSTS

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4100
DEFAULT_WEBHOOK_SECRET = "whsec_emulator"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workos-emulator",
        description="Serve a local WorkOS SSO emulator for development and tests.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (default: %(default)s)"
    )
    parser.add_argument(
        "--client-id", default=DEFAULT_CLIENT_ID, help="client ID accepted (default: %(default)s)"
    )
    parser.add_argument(
        "--api-key", default=DEFAULT_API_KEY, help="API key accepted (default: %(default)s)"
    )
    parser.add_argument(
        "--data", metavar="FILE", help="JSON test data (default: the built-in organizations)"
    )
    parser.add_argument(
        "--auto-approve",
        action="store_true",
        help="sign in at once, without the IdP page, when login_hint names a test user",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        metavar="URI",
        help="register a non-loopback redirect URI (repeatable)",
    )
    parser.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL",
        help="send directory events, signed, to this webhook endpoint (repeatable)",
    )
    parser.add_argument(
        "--webhook-secret",
        default=DEFAULT_WEBHOOK_SECRET,
        metavar="SECRET",
        help="the secret --webhook endpoints verify with (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        import uvicorn
    except ModuleNotFoundError:
        print(
            "workos-emulator needs uvicorn: pip install 'workos-middleware[emulator]'",
            file=sys.stderr,
        )
        return 2
    try:
        app = create_app(
            client_id=args.client_id,
            api_key=args.api_key,
            data=args.data,
            auto_approve=args.auto_approve,
            redirect_uris=args.redirect_uri,
            webhooks=[{"url": url, "secret": args.webhook_secret} for url in args.webhook],
        )
    except DataError as exc:
        print(f"workos-emulator: bad data: {exc}", file=sys.stderr)
        return 2
    host = f"[{args.host}]" if ":" in args.host else args.host
    base_url = f"http://{host}:{args.port}"
    print(f"WorkOS emulator on {base_url}  (test data and settings: {base_url}/)", flush=True)
    print(f"  WORKOS_BASE_URL={base_url}", flush=True)
    print(f"  WORKOS_CLIENT_ID={args.client_id}", flush=True)
    print(f"  WORKOS_API_KEY={args.api_key}", flush=True)
    state = app.state.emulator
    print(f"  AuthKit JWKS: {base_url}/sso/jwks/{args.client_id}", flush=True)
    for provider in state.data.providers:
        where = "oidc" if provider.kind == "oidc" else "oauth"
        print(
            f"  {provider.name}: {base_url}/{where}/{provider.id} "
            f"(client {provider.client_id}, secret {provider.client_secret})",
            flush=True,
        )
    for endpoint in state.data.webhooks:
        print(f"  webhook: {endpoint.url} (secret {endpoint.secret})", flush=True)
    if args.host not in LOOPBACK_HOSTS:
        print(
            "  warning: the /_emulator/ admin API has no authentication; "
            "anyone who can reach this host can change it",
            file=sys.stderr,
            flush=True,
        )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
