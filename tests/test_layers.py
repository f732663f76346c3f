"""The package's stages import only downwards: ingest < query < search < answer < assistant < measure < app;
and the app reaches ingest, query, search and answer only through the assistant."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "qa_app"

# Lower numbers are lower stages; the base modules are importable by all.
RANKS = {
    "qa_app.config": 0,
    "qa_app.errors": 0,
    "qa_app.records": 0,
    "qa_app.ingest": 1,
    "qa_app.query": 2,  # question understanding: below search, which takes its Query
    "qa_app.search": 3,
    "qa_app.answer": 4,
    "qa_app.assistant": 5,
    "qa_app.measure": 6,
    "qa_app.training": 6,  # a tool stage beside measure: trains and exports the reader
    "qa_app.app": 7,
    "qa_app": 8,  # the public facade (`from qa_app import Assistant`) is for callers, not for the stages
}
ENTRY_POINTS = {"qa_app", "qa_app.__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank(module: str) -> int:
    prefix = max((p for p in RANKS if module == p or module.startswith(p + ".")), key=len)
    return RANKS[prefix]


def imported(path: Path) -> set[str]:
    """Every qa_app module the file imports, at the top, inside functions or under TYPE_CHECKING."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n == "qa_app" or n.startswith("qa_app.")}


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: imported(path) for name, path in MODULES.items()}


def test_every_module_belongs_to_a_stage():
    assert all(rank(name) < RANKS["qa_app"] for name in MODULES if name not in ENTRY_POINTS)


@pytest.mark.parametrize("name", sorted(set(MODULES) - ENTRY_POINTS))
def test_module_imports_no_higher_stage(name):
    higher = sorted(m for m in GRAPH[name] if rank(m) > rank(name))
    assert not higher, f"{name} (stage {rank(name)}) imports higher stages: {higher}"


def test_no_import_cycles():
    def visit(name: str, trail: tuple[str, ...]) -> None:
        for target in GRAPH.get(name, ()):
            target = target if target in GRAPH else target.rsplit(".", 1)[0]
            assert target not in trail, f"import cycle: {' -> '.join((*trail, target))}"
            if target not in ENTRY_POINTS:
                visit(target, (*trail, target))

    for name in set(MODULES) - ENTRY_POINTS:
        visit(name, (name,))


# The app reaches the pipeline only through the assistant: it may import these, its own modules, and the tools.
APP_MAY_IMPORT = (
    "qa_app.app",
    "qa_app.assistant",
    "qa_app.records",
    "qa_app.errors",
    "qa_app.config",
    "qa_app.measure",
    "qa_app.training",
)


def app_reaches_past_the_assistant(imports: set[str]) -> list[str]:
    return sorted(m for m in imports if not any(m == p or m.startswith(p + ".") for p in APP_MAY_IMPORT))


@pytest.mark.parametrize("name", sorted(n for n in MODULES if rank(n) == RANKS["qa_app.app"]))
def test_app_imports_no_stage_below_the_assistant(name):
    past = app_reaches_past_the_assistant(GRAPH[name])
    assert not past, f"{name} imports {past}; go through qa_app.assistant instead"


def test_app_importing_search_is_caught(tmp_path):
    bad = tmp_path / "qa_app" / "app" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from qa_app.search.index import skipped_note\nfrom qa_app.ingest import uploads\n")
    assert app_reaches_past_the_assistant(imported(bad)) == ["qa_app.ingest", "qa_app.search.index"]


def test_lower_stage_importing_a_higher_one_is_caught(tmp_path):
    bad = tmp_path / "qa_app" / "ingest" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from qa_app.search.index import build_index\n")
    assert rank(next(iter(imported(bad)))) > RANKS["qa_app.ingest"]
