"""Writes ``open-redirects.txt``: open-redirect payloads by bypass class.

Run ``python tests/data/generate_open_redirects.py`` to regenerate the file; the file is
committed so the tests read plain data. Conventions, as in oauth2-proxy's corpus
(``openredirects-oauth2-proxy.txt``): one payload per line, ``www.whitelisteddomain.tld``
stands for the app's own host, ``evil.tld`` for the attacker's, and the tests use each
line as-is and URL-unescaped once (so ``%09`` is also tried as a raw tab, ``%0d%0a`` as
a raw CR LF). Lines starting with ``#`` are comments naming the class that follows.
"""

from __future__ import annotations

from pathlib import Path

APP = "www.whitelisteddomain.tld"
EVIL = "evil.tld"
OUT = Path(__file__).with_name("open-redirects.txt")


def classes() -> dict[str, list[str]]:
    c: dict[str, list[str]] = {}

    c["absolute foreign URLs, other schemes, ports and downgrades"] = [
        f"{scheme}://{EVIL}{tail}"
        for scheme in ("http", "https", "HTTPS", "ftp", "ws", "wss", "file")
        for tail in ("", "/", "/path?x=1#f", ":443/", f"/{APP}", f"?{APP}", f"#{APP}")
    ] + [
        f"http://{APP}/",
        f"http://{APP}:443/",
        f"https://{APP}:8443/",
        f"https://{APP}:0/",
        f"https://{APP}:65536/",
        f"https://{APP}:-1/",
        f"https://{APP}:443:80/",
        f"ws://{APP}/",
    ]

    slashes = ["//", "///", "////", "/\\", "\\/", "\\\\", "/\\/", "\\//", "/\\\\", "\\\\\\"]
    c["protocol-relative, backslashes and mixed slashes"] = [
        f"{s}{EVIL}{tail}" for s in slashes for tail in ("", "/", f"/{APP}", f"@{APP}")
    ] + [
        f"https:\\\\{EVIL}",
        f"https:/\\{EVIL}",
        f"https:\\/{EVIL}",
        f"http:\\\\{EVIL}",
        f"https:///{EVIL}",
        f"https:////{EVIL}",
        f"/{APP}/\\..\\\\{EVIL}",
        f"\\{EVIL}",
        f"./\\{EVIL}",
        f"/.//{EVIL}",
        f"/./\\{EVIL}",
    ]

    controls = ["%09", "%0a", "%0d", "%00", "%0b", "%0c", "%20", "%1f", "%7f", "%e3%80%80"]
    c["whitespace and control characters (raw once unescaped)"] = [
        template.format(ws=ws, evil=EVIL)
        for ws in controls
        for template in (
            "/{ws}/{evil}",
            "{ws}//{evil}",
            "/{ws}\\{evil}",
            "{ws}https://{evil}",
            "https:{ws}//{evil}",
            "java{ws}script:alert(1)",
        )
    ]

    c["percent- and double-encodings"] = [
        f"/%2f{EVIL}",
        f"/%2f%2f{EVIL}",
        f"%2f%2f{EVIL}",
        f"%2F%2F{EVIL}",
        f"/%2F/{EVIL}",
        f"/%5c{EVIL}",
        f"%5c%5c{EVIL}",
        f"/%5c%5c{EVIL}",
        f"%2f%5c{EVIL}",
        f"/%252f%252f{EVIL}",
        f"%252f%252f{EVIL}",
        f"/%255c{EVIL}",
        f"%25252f%25252f{EVIL}",
        f"https%3a%2f%2f{EVIL}",
        f"https%3A%2F%2F{EVIL}",
        f"https%253a%252f%252f{EVIL}",
        f"%68%74%74%70%73%3a%2f%2f{EVIL}",
        f"/%2e%2e/%2f{EVIL}",
        f"/%2e%2e%2f%2f{EVIL}",
        f"/..%2f..%2f%2f{EVIL}",
        f"/.%2e/%2f%2f{EVIL}",
        f"//{EVIL}%2f%2e%2e",
        f"/%c0%af{EVIL}",
        f"/%c0%ae%c0%ae/{EVIL}",
        f"/%e0%80%af%e0%80%af{EVIL}",
        f"/%u002f%u002f{EVIL}",
        "%2f%2f%65%76%69%6c%2e%74%6c%64",
        f"/%2f%09%2f{EVIL}",
        f"/%5c%09{EVIL}",
        f"/%2f%5c%2f{EVIL}",
    ]

    c["unicode look-alikes and full-width characters"] = [
        f"\uff0f\uff0f{EVIL}",
        f"/\uff0f{EVIL}",
        f"\uff3c\uff3c{EVIL}",
        f"/\uff3c{EVIL}",
        f"\u2215\u2215{EVIL}",
        f"/\u2215{EVIL}",
        f"\u2044\u2044{EVIL}",
        f"\u29f8\u29f8{EVIL}",
        f"\ufe68\ufe68{EVIL}",
        f"https:\uff0f\uff0f{EVIL}",
        f"\uff48\uff54\uff54\uff50\uff53\uff1a\uff0f\uff0f{EVIL}",
        "//evil\u3002tld",
        "https://evil\u3002tld",
        "https://evil\uff0etld",
        "https://evil\uff61tld",
        "//\u24d4\u24e5\u24d8\u24db.tld",
        "https://\u24d4\u24e5\u24d8\u24db.tld",
        f"https://{APP}\u3002{EVIL}",
        f"https://{APP}\uff0e{EVIL}",
        f"https://{APP.replace('w', 'ŵ')}/",
        "https://" + APP.replace("l", "\u217c") + "/",  # small roman numeral fifty
        "https://" + APP.replace("e", "\u0435") + "/",  # Cyrillic e
        f"https://{APP.replace('.', '。')}/",
        f"/\u3000/{EVIL}",
        f"/\u00a0/{EVIL}",
        f"/\u2028/{EVIL}",
        f"/\u200b/{EVIL}",
        f"\u202e//{EVIL}",
        f"/\ufeff/{EVIL}",
        f"%ef%bc%8f%ef%bc%8f{EVIL}",
        f"/%ef%bc%8f{EVIL}",
        f"/%e2%88%95{EVIL}",
        f"/%e3%80%82{EVIL}",
    ]

    c["userinfo tricks"] = [
        f"https://{APP}@{EVIL}",
        f"https://{APP}:443@{EVIL}",
        f"https://{APP}:@{EVIL}",
        f"https://{APP}%40{EVIL}",
        f"https://user:pass@{EVIL}",
        f"//{APP}@{EVIL}",
        f"///{APP}@{EVIL}",
        f"/\\{APP}@{EVIL}",
        f"https://{EVIL}\\@{APP}",
        f"https://{EVIL}#@{APP}",
        f"https://{EVIL}?@{APP}",
        f"https://{EVIL}%23@{APP}",
        f"https://{EVIL}%2f@{APP}",
        f"https://{EVIL}%5c@{APP}",
        f"https://{EVIL}:443\\@{APP}",
        f"https://{APP}@{EVIL}/{APP}",
        f"https://{APP}%2540{EVIL}",
        f"https://{APP}\uff20{EVIL}",
        f"https://{APP}%ef%bc%a0{EVIL}",
        f"https://@{EVIL}",
        f"https://:@{EVIL}",
        f"//@{EVIL}",
        f"https://{APP}&@{EVIL}",
        f"https://{APP};@{EVIL}",
        f"https://{APP} @{EVIL}",
    ]

    c["look-alike hosts"] = [
        f"https://{APP}.{EVIL}",
        f"https://{APP}.{EVIL}/",
        f"https://{APP}{EVIL}",
        f"https://{APP}-{EVIL}",
        f"https://{APP}_{EVIL}",
        f"https://evil{APP}",
        f"https://{APP.replace('.', '-')}",
        f"https://{APP}./",
        f"https://{APP}../",
        f"https://{APP.upper()}.{EVIL}/",
        f"https://{APP}%2e{EVIL}",
        f"https://{APP}%00.{EVIL}",
        f"https://{APP}%0a.{EVIL}",
        f"https://{APP}%09.{EVIL}",
        f"//{APP}.{EVIL}",
        f"https://{APP.split('.', 1)[1]}/",
        f"https://sub.{APP}/",
        f"https://{APP}:443.{EVIL}/",
        f"https://{APP}%252e{EVIL}",
        f"https://{APP}\\.{EVIL}",
        f"https://[{APP}]/",
        f"https://{APP}\t.{EVIL}",
    ]

    c["IP address encodings"] = [
        f"{scheme}{ip}{tail}"
        for scheme in ("http://", "//")
        for ip in (
            "127.0.0.1",
            "2130706433",
            "0x7f000001",
            "017700000001",
            "0177.0.0.1",
            "0x7f.0.0.1",
            "127.1",
            "127.000.000.001",
            "[::1]",
            "[::ffff:127.0.0.1]",
            "[0:0:0:0:0:ffff:7f00:1]",
            "169.254.169.254",
            "0",
            "\u2460\u2461\u2466.\u24ea.\u24ea.\u2460",
            "3232235521",
        )
        for tail in ("", "/")
    ]

    c["scheme without slashes (https:evil.tld)"] = [
        f"{scheme}:{sep}{EVIL}"
        for scheme in ("https", "http", "HTTPS", "hTtP")
        for sep in ("", "/", "\\", "%2f", "%5c", "/%2f", "%09//")
    ]

    js = [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "javascript :alert(1)",
        "javascript%3aalert(1)",
        "javascript%3Aalert(1)",
        "javascript&colon;alert(1)",
        "javascript&#58;alert(1)",
        "javascript&#x3a;alert(1)",
        "%6a%61%76%61%73%63%72%69%70%74:alert(1)",
        "%4a%41%56%41%53%43%52%49%50%54%3aalert(1)",
        "%2509javascript:alert(1)",
        "\\javascript:alert(1)",
        "/javascript:alert(1)",
        "//javascript:alert(1)",
        "/\\javascript:alert(1)",
        "javascript://%0aalert(1)",
        "javascript://%0dalert(1)",
        f"javascript://{APP}/%0aalert(1)",
        f"javascript://{APP}?%0aalert(1)",
        "javascript://%E2%80%A8alert(1)",
        "javascript:/**/alert(1)",
        "javascript:void(0)",
        "jav&#x09;ascript:alert(1)",
        "jav&#9;ascript:alert(1)",
        "java%00script:alert(1)",
        "\u0001javascript:alert(1)",
        "javas\u00adcript:alert(1)",
        "\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1)",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,x",
        "data:,x",
        "blob:https://evil.tld/uuid",
        "livescript:alert(1)",
        "mocha:alert(1)",
        f"view-source:https://{EVIL}",
        "about:blank",
        "mailto:a@evil.tld",
        "tel:+15555550100",
        "intent://evil.tld#Intent;scheme=https;end",
    ]
    c["javascript: and other dangerous schemes, in all spellings"] = js

    c["CRLF and header injection"] = [
        f"/%0d%0aLocation:%20https://{EVIL}",
        "/%0d%0aSet-Cookie:%20next-auth.session-token=x",
        f"/%0aLocation:https://{EVIL}",
        f"/%0dLocation:https://{EVIL}",
        "/x%0d%0a%0d%0a<script>alert(1)</script>",
        f"/%E5%98%8A%E5%98%8DLocation:https://{EVIL}",
        f"/%c4%8d%c4%8aLocation:https://{EVIL}",
        f"/%23%0d%0aLocation:https://{EVIL}",
        f"/%3f%0d%0aLocation:https://{EVIL}",
        f"https://{APP}/%0d%0aLocation:https://{EVIL}",
    ]

    c["malformed URLs"] = [
        "http://[",
        "https://[::1",
        "http://]",
        f"https://{EVIL}:99999",
        f"https://{APP}:99999/",
        "https://",
        "https:",
        "https:/",
        "//",
        "///",
        "/\\",
        "http://%",
        "http://%zz/",
        f"https://{APP}%",
        "%",
        "%%2f%2f",
        "?//evil.tld",
        "#//evil.tld",
        ";//evil.tld",
        "@evil.tld",
        "evil.tld",
        f"{EVIL}/",
        f"{APP}",
        f"{APP}.{EVIL}",
    ]

    c["path tricks that stay on the app (must stay there)"] = [
        f"/{EVIL}",
        f"/https://{EVIL}",
        f"/?next=https://{EVIL}",
        f"/#//{EVIL}",
        "/a?b=1#c",
        "/%2e%2e/%2e%2e/",
        "/../../../",
        f"/redirect?url=//{EVIL}",
        f"https://{APP}/",
        f"https://{APP}/path?q=//{EVIL}",
        f"HTTPS://{APP.upper()}/x",
    ]
    return c


def main() -> None:
    lines = [
        "# Open-redirect payloads by bypass class, written by generate_open_redirects.py.",
        f"# {APP} stands for the app's own host, {EVIL} for the attacker's; each line is",
        "# used as-is and URL-unescaped once (as oauth2-proxy does with its corpus).",
    ]
    seen: set[str] = set()
    for name, payloads in classes().items():
        lines.append(f"# {name}")
        for payload in payloads:
            if payload in seen or "\n" in payload or "\r" in payload:
                continue
            seen.add(payload)
            lines.append(payload)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(seen)} payloads written to {OUT}")


if __name__ == "__main__":
    main()
