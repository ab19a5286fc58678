"""A static folder served over HTTP, for proxies that serve no files themselves (Traefik):
``python static_backend.py PORT FOLDER``. Each answer names the identity the proxy
passed on (``X-Signed-In-As``: the request's ``X-Auth-Request-Email``), so a test sees
what a protected service would trust."""

from __future__ import annotations

import functools
import http.server
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        email = self.headers.get("X-Auth-Request-Email")
        if email is not None:
            self.send_header("X-Signed-In-As", email)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    port, folder = int(sys.argv[1]), sys.argv[2]
    handler = functools.partial(Handler, directory=folder)
    http.server.ThreadingHTTPServer(("127.0.0.1", port), handler).serve_forever()
