"""The house's layout holds: rooms by feature under ui/, no import circles anywhere, no reaching into the demo
generator from the app's floors, each page's data named once, and the embedded demo file built through the
generator's own command."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from data_access.bootstrap import DemoBuildFailed, build_demo_file

ROOT = Path(__file__).resolve().parent.parent
ROOMS = {"access", "data", "explore", "grid", "org", "screen", "volunteers"}
CHROME = "chrome"  # the frame every page is drawn in: not a room, every room may use it
NOT_SOURCE = {"node_modules", "test-artifacts", "__pycache__"}  # installed or generated, not the project's


def _imports(path: Path) -> list[str]:
    """Every module path a file imports (relative imports resolved; `from x import y` gives x and x.y)."""
    package = list(path.relative_to(ROOT).with_suffix("").parts)
    package = package[:-1]  # the file's package (an __init__ is its own package's file)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - (node.level - 1)] if node.level else []
            src = ".".join([*base, *([node.module] if node.module else [])])
            out += [src, *(f"{src}.{a.name}" for a in node.names)]
    return out


def _files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def _module_files(root: Path) -> dict[str, Path]:
    """Every Python module of the project under root by its dotted name (a package by its __init__)."""
    out = {}
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in NOT_SOURCE and not d.startswith(".")]
        for file_name in names:
            if file_name.endswith(".py"):
                parts = (Path(folder) / file_name).relative_to(root).with_suffix("").parts
                out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = Path(folder) / file_name
    return out


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project's modules it imports, anywhere in the file (inside functions and `if
    TYPE_CHECKING:` too): `from . import x` and `from pkg import x` reach the module pkg.x when there is one,
    else pkg; a name outside the project is left out."""
    files = _module_files(root)

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in files.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {known(a.name) for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = package[: len(package) - (node.level - 1)] if node.level else []
                source = ".".join([*base, *([node.module] if node.module else [])])
                found |= {known(f"{source}.{a.name}") for a in node.names}
        graph[name] = found - {None, name}
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            nxt = next(edges, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    circles.append(sorted(part))
    return circles


def test_the_circle_finder_sees_every_kind_of_import(tmp_path):
    """A circle closed by `from . import x`, by an import inside a function or under TYPE_CHECKING is found;
    a package importing its own modules is not a circle."""
    files = {
        "pkg/__init__.py": "from .a import f\n",
        "pkg/a.py": "from . import b\ndef f():\n    return b\n",
        "pkg/b.py": "def g():\n    from .a import f\n    return f\n",
        "pkg/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.d import D\n",
        "pkg/d.py": "import pkg.c\nimport os\nclass D: ...\n",
        "pkg/e.py": "from pkg import a\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    graph = import_graph(tmp_path)
    assert graph["pkg.e"] == {"pkg.a"} and graph["pkg.d"] == {"pkg.c"}
    assert import_circles(graph) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]


def test_no_module_of_the_project_is_part_of_an_import_circle():
    """Every package, the tests and the scripts at the top: a circle means two modules that cannot be read,
    loaded or changed apart; cut it by moving the shared piece into a module of its own."""
    graph = import_graph(ROOT)
    assert {"app", "ui.labels", "report.build", "data_access.models", "tests.conftest"} <= set(graph)
    assert import_circles(graph) == []


def test_the_app_floors_import_nothing_from_the_generator():
    files = [*_files("ui", "pages", "data_access", "geo"), ROOT / "app.py"]
    assert len(files) > 60
    offenders = {str(p.relative_to(ROOT)): m for p in files for m in _imports(p) if m.split(".")[0] == "seed"}
    assert offenders == {}


def test_no_room_imports_another_room():
    """A room (ui/<family>/) reaches another family's code only through ui's shared top level or the chrome
    (ui/chrome/: the frame every room is drawn in, which opens the rooms it frames, as the top level may)."""
    files = _files("ui")
    rooms_seen = {p.relative_to(ROOT / "ui").parts[0] for p in files if len(p.relative_to(ROOT / "ui").parts) > 1}
    assert rooms_seen == ROOMS | {CHROME}
    offenders = []
    for p in files:
        parts = p.relative_to(ROOT / "ui").parts
        own = parts[0] if len(parts) > 1 and parts[0] != CHROME else None
        for m in _imports(p):
            bits = m.split(".")
            if own and bits[0] == "ui" and len(bits) > 1 and bits[1] in ROOMS and bits[1] != own:
                offenders.append((str(p.relative_to(ROOT)), m))
    assert offenders == []


def test_ui_top_level_keeps_only_what_every_room_shares():
    """The page's chrome (shell, filter bar, freshness, database status, exports and their texts) is one
    package; the top level holds the shared builders and words, few enough to see at a glance."""
    top = sorted(p.stem for p in (ROOT / "ui").glob("*.py") if p.stem != "__init__")
    chrome = {p.stem for p in (ROOT / "ui" / CHROME).glob("*.py")}
    assert len(top) <= 16, top
    assert {"shell", "filter_bar", "freshness", "db_status", "snapshot", "export"} <= chrome
    assert not chrome & set(top)


def test_loading_the_app_loads_no_generator_module():
    code = (
        "import sys\n"
        "import data_access.bootstrap, data_access.cached, ui.chrome.shell, ui.grid.deck, ui.data.view, ui.screen.wall\n"
        "print(sorted(m for m in sys.modules if m == 'seed' or m.startswith('seed.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _cached_names(node: ast.AST) -> list[str]:
    return [
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "cached"
    ]


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")))
def test_a_page_names_each_of_its_fetched_queries_once(page):
    """What a page fetches side by side it reads from the fetched result, not by calling the query again
    (a query may be fetched for two periods at once: the range and the period it is compared with)."""
    tree = ast.parse((ROOT / "pages" / page).read_text(encoding="utf-8"))
    fetches = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "fetch"]
    listed = [name for call in fetches for name in _cached_names(call)]
    everywhere = _cached_names(tree)
    again = {name for name in listed if everywhere.count(name) > listed.count(name)}
    assert again == set()
    assert "prefetch" not in {getattr(n.func, "id", "") for n in ast.walk(tree) if isinstance(n, ast.Call)}


def test_the_embedded_demo_file_is_built_through_the_generators_command(tmp_path):
    steps: list[tuple[float, str]] = []
    target = tmp_path / "demo.sqlite"
    build_demo_file(target, lambda fraction, message: steps.append((fraction, message)), False, "--scale", "0.05")
    assert len(steps) >= 3 and steps[-1][0] == 1.0
    assert [s[0] for s in steps] == sorted(s[0] for s in steps)  # progress only moves forward
    engine = create_engine(f"sqlite:///{target}")
    try:
        assert "dataset_meta" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_a_failed_demo_build_says_why_and_leaves_no_file(tmp_path):
    target = tmp_path / "demo.sqlite"
    with pytest.raises(DemoBuildFailed, match="scale"):
        build_demo_file(target, lambda *_: None, False, "--scale", "0")
    assert not target.exists()
