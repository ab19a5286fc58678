"""The package's shape, checked on the source: imports go one way between the private
subpackages, and no module imports itself back through others.

The layer order below is the one ``docs/architecture.md`` draws; a part may import the
layers before it (and modules of its own subpackage), never one after it, nor a sibling
on its own layer. The emulator is a world apart (``tests/emulator``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import workos_middleware

PACKAGE = Path(workos_middleware.__file__).parent
NAME = "workos_middleware"

# Lowest first. Parts on one line are independent of each other.
LAYERS: list[tuple[str, ...]] = [
    ("_base",),
    ("providers",),
    ("_keys", "_pages", "_rules"),
    ("_sessions",),
    ("_config",),
    ("_passthrough",),
    ("_lifecycle",),
    ("_routes",),
    ("_request",),
    ("_adapters",),
    ("integrations", "testing", "__main__", "__init__"),
]
LAYER_OF = {part: index for index, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = [NAME, *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "emulator" not in path.relative_to(PACKAGE).parts
    }


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that a module imports (relative imports resolved; ``from
    package import module`` counts as the module), wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    found.add(f"{target}.{alias.name}")
                elif target in known:
                    found.add(target)
    found.discard(name)
    return found


def part_of(module: str) -> str:
    """The subpackage (or top-level module) a module belongs to: its layer's unit."""
    rest = module.split(".")[1:]
    return rest[0] if rest else "__init__"


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in edges.items():
        here = part_of(module)
        for target in targets:
            there = part_of(target)
            if there == here:
                continue
            if LAYER_OF[there] >= LAYER_OF[here]:
                wrong.append(f"{module} imports {target} ({here} → {there})")
    return sorted(wrong)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_every_part_has_a_layer() -> None:
    parts = {part_of(module) for module in modules()}
    assert parts == set(LAYER_OF)


def test_no_module_sits_loose_at_the_top() -> None:
    loose = sorted(path.name for path in PACKAGE.glob("_*.py") if not path.name.startswith("__"))
    assert loose == []


def test_imports_go_one_way_between_subpackages() -> None:
    assert wrong_way(graph()) == []


def test_there_is_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_map_names_every_subpackage_in_the_same_order() -> None:
    text = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    listed = [p for parts in LAYERS for p in parts if p not in ("testing", "__main__", "__init__")]
    positions = [text.find(f"`{part}/`") for part in listed]
    missing = [part for part, at in zip(listed, positions, strict=True) if at == -1]
    assert not missing, missing
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("source", "wrong"),
    [
        ("from .._adapters.asgi import AuthMiddleware\n", True),
        ("from ..providers import Provider\n", False),
        ("from . import other\n", False),
    ],
)
def test_the_check_would_catch_a_wrong_import(tmp_path: Path, source: str, wrong: bool) -> None:
    path = tmp_path / "sample.py"
    path.write_text(source)
    name = f"{NAME}._sessions.sample"
    known = {*modules(), name, f"{NAME}._sessions.other"}
    edges = {name: imports_of(name, path, known)}
    assert bool(wrong_way(edges)) is wrong


def test_the_check_would_catch_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]


# What would make the session code ask which kind of store it has.
STORE_KIND_WORDS = (
    "server_side",
    "ServerSessionStore",
    "CookieSessionStore",
    "MemorySessionStore",
    "RedisSessionStore",
    ".kind",
    "isinstance(self.store",
    ".stored",
)


def test_the_session_code_never_asks_which_store_it_has() -> None:
    """One session model: ``Sessions`` goes through the store interface alone (issue 13:
    the old ``SessionCodec`` branched on the store kind at six points)."""
    source = (PACKAGE / "_sessions" / "sessions.py").read_text()
    code = ast.unparse(ast.parse(source))  # the code, without comments and docstrings' prose
    found = [word for word in STORE_KIND_WORDS if word in code]
    assert found == []
    routes = [PACKAGE / "_routes" / name for name in ("sign_in.py", "handlers.py")]
    assert [p.name for p in routes if "server_side" in p.read_text()] == []
