"""The emulator plays a third party: it imports nothing from the rest of workos_middleware.

A shared helper (PKCE, JWT, URL parsing) would let a bug on both sides agree while real
WorkOS, Google or GitHub refuse; so the rule is checked on the source, not trusted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import workos_middleware.emulator

PACKAGE = Path(workos_middleware.emulator.__file__).parent


def imports_of(path: Path) -> list[str]:
    """Every module a file imports, relative imports resolved against the emulator."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                found.append(node.module or "")
            elif node.level == 1:
                found.append(f"workos_middleware.emulator.{node.module or ''}".rstrip("."))
            else:
                found.append("." * node.level + (node.module or ""))
    return found


def test_the_emulator_imports_nothing_of_the_middleware() -> None:
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 10
    offending = {
        f"{path.name}: {name}"
        for path in sources
        for name in imports_of(path)
        if name.startswith(".")
        or (
            name.startswith("workos_middleware")
            and not name.startswith("workos_middleware.emulator")
        )
    }
    assert offending == set()


def test_the_check_would_catch_an_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from .. import _core\nfrom workos_middleware._pkce import s256\n")
    assert imports_of(sample) == ["..", "workos_middleware._pkce"]
