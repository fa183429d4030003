"""The layering of the package docstring, checked on the imports (all of them, lazy ones too) of every module."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cybertype"

# Layers from the bottom; a module may import from its own sub-package and from the layers below, never
# from a peer of its layer (rules/ and model/ know nothing of each other, nor do io/ and evaluate/).
LAYERS = [
    {"version"},
    {"labels", "result"},
    {"corpus"},
    {"text"},
    {"rules", "model"},
    {"classifier"},
    {"io", "evaluate"},
    {"batch"},
    {"review"},
    {"cli"},
]
RANK = {part: k for k, parts in enumerate(LAYERS) for part in parts}
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("cybertype", *path.relative_to(PACKAGE).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The cybertype modules `name` imports (a `from package import module` counts as the module)."""
    is_pkg = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "cybertype")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "cybertype":
                continue
            subs = [f"{module}.{a.name}" for a in node.names if f"{module}.{a.name}" in MODULES]
            found.update(subs or [module])
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _part(module: str) -> str | None:
    """The layer part of a module (`cybertype.text.normalize` -> text); None for the package API itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_module_is_in_a_layer():
    for name in MODULES:
        part = _part(name)
        assert part is None or part == "__main__" or part in RANK, f"{name}: add it to a layer in LAYERS"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_down_the_layers(name):
    part = _part(name)
    if part is None or part == "__main__":
        return  # the public API (cybertype/__init__) and the `python -m` runner sit above every layer
    for target in GRAPH[name]:
        other = _part(target)
        assert other is not None, f"{name} imports the package API `cybertype`: import the module itself"
        if other == part:
            continue
        assert other != "cli", f"{name} imports {target}: nothing imports the CLI"
        assert RANK[other] < RANK[part], f"{name} imports {target}: {other}/ is not below {part}/"


def test_text_and_rules_know_nothing_of_io_batch_or_the_cli():
    for name, targets in GRAPH.items():
        if _part(name) in ("text", "rules"):
            assert not {_part(t) for t in targets} & {"io", "batch", "cli"}, name


def test_nothing_imports_the_cli_but_its_own_modules_and_main():
    for name, targets in GRAPH.items():
        if _part(name) not in ("cli", "__main__"):
            assert not any(_part(t) == "cli" for t in targets), name


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_small_and_says_its_job(name):
    path = MODULES[name]
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_LINES, f"{name}: over {MAX_LINES} lines"
    doc = ast.get_docstring(ast.parse(source))
    assert doc and doc.strip(), f"{name}: no module docstring saying its job"
