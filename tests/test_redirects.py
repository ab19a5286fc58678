"""callbackUrl validation: oauth2-proxy's open-redirect corpus and hand-made cases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest
import respx

from workos_middleware._keys.redirects import default_redirect

from support import APP_URL, Client

CORPUS = Path(__file__).parent / "data" / "openredirects-oauth2-proxy.txt"
APP_HOST = "www.whitelisteddomain.tld"
ORIGIN = f"https://{APP_HOST}"


def payloads() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    raw = [line for line in lines if line and not line.startswith("#")]
    both = raw + [unquote(line) for line in raw]
    return list(dict.fromkeys(both))


def stays_on_origin(location: str, origin: str) -> bool:
    return location == origin or location.startswith(origin + "/")


def test_the_corpus_is_all_there() -> None:
    assert len(payloads()) > 559


def test_every_corpus_payload_stays_on_origin() -> None:
    escaped = [p for p in payloads() if not stays_on_origin(default_redirect(p, ORIGIN), ORIGIN)]
    assert escaped == []


def test_every_corpus_payload_stays_on_origin_through_http(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    """Each payload as the sign-in's callbackUrl, through the whole flow (both adapters)."""
    from support import TOKEN_RESPONSE

    client = make_client(url=ORIGIN)
    workos.post("/sso/token").respond(200, json=TOKEN_RESPONSE)
    for payload in payloads()[::7]:  # a seventh of them through HTTP; all of them above
        params = client.start_sign_in(callback_url=payload)
        response = client.callback({"code": "c", "state": params["state"]})
        assert stays_on_origin(response.headers["location"], ORIGIN), payload


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/a?b=1#c", f"{APP_URL}/a?b=1#c"),
        ("/", f"{APP_URL}/"),
        (f"{APP_URL}/x/y?z=1", f"{APP_URL}/x/y?z=1"),
        (f"{APP_URL}", f"{APP_URL}/"),
        (f"{APP_URL}?q=1", f"{APP_URL}/?q=1"),
        ("HTTP://APP.TEST/p", f"{APP_URL}/p"),
        ("/café", f"{APP_URL}/caf%C3%A9"),
        ("https://evil.test/", APP_URL),
        ("//evil.test/", APP_URL),
        ("///evil.test/", APP_URL),
        ("/\\evil.test", APP_URL),
        ("\\\\evil.test", APP_URL),
        ("/\t/evil.test", APP_URL),
        ("/\n/evil.test", APP_URL),
        ("javascript:alert(1)", APP_URL),
        ("JaVaScRiPt:alert(1)", APP_URL),
        ("data:text/html,<script>", APP_URL),
        ("http://app.test@evil.test/", APP_URL),
        ("http://app.test:80@evil.test/", APP_URL),
        ("http://app.test.evil.test/", APP_URL),
        ("https://app.test/", APP_URL),  # scheme upgrade is another origin
        ("http://app.test:8080/", APP_URL),
        ("/x\r\nSet-Cookie: a=b", APP_URL),
        ("http://[", APP_URL),
        ("/" + "a" * 10_000, APP_URL),
        ("", APP_URL),
        ("relative/path", APP_URL),
        ("?q=1", APP_URL),
    ],
)
def test_default_redirect(url: str, expected: str) -> None:
    assert default_redirect(url, APP_URL) == expected


def test_https_downgrade_is_refused() -> None:
    assert default_redirect("http://app.test/x", "https://app.test") == "https://app.test"


@pytest.mark.parametrize(
    "url",
    ["https://evil.test", "//evil.test", "/\\evil.test", "/ok\r\nX-Injected: 1", "javascript:x"],
)
def test_hostile_callback_url_on_signout(client: Client, url: str) -> None:
    data = {"csrfToken": client.csrf(), "callbackUrl": url}
    response = client.post("/api/auth/signout", data=data)
    assert response.headers["location"] == APP_URL
    assert "x-injected" not in response.headers


def test_callback_url_cookie_is_revalidated(
    make_client: Callable[..., Client], workos: respx.MockRouter
) -> None:
    """A callback-url cookie signed by us but holding a foreign URL (say, from a
    redirect callback that was more permissive earlier) is validated again."""
    from support import sign

    client = make_client()
    client.set_cookie("next-auth.callback-url", sign("callback_url", "https://evil.test/"))
    data = {"csrfToken": client.csrf()}
    response = client.post("/api/auth/signout", data=data)
    assert response.headers["location"] == APP_URL


def test_legit_callback_url_survives_the_whole_flow(
    client: Client, workos: respx.MockRouter
) -> None:
    response = client.sign_in(workos, callback_url="/reports?year=2026#top")
    assert response.headers["location"] == f"{APP_URL}/reports?year=2026#top"
