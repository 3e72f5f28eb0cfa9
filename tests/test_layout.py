"""The house's layout holds: rooms by feature under ui/, no reaching into the demo generator from the app's
floors, each page's data named once, and the embedded demo file built through the generator's own command."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from data_access.bootstrap import DemoBuildFailed, build_demo_file

ROOT = Path(__file__).resolve().parent.parent
ROOMS = {"access", "data", "explore", "grid", "org", "screen", "volunteers"}


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


def test_the_app_floors_import_nothing_from_the_generator():
    files = [*_files("ui", "pages", "data_access", "geo"), ROOT / "app.py"]
    assert len(files) > 60
    offenders = {str(p.relative_to(ROOT)): m for p in files for m in _imports(p) if m.split(".")[0] == "seed"}
    assert offenders == {}


def test_no_room_imports_another_room():
    """A room (ui/<family>/) reaches another family's code only through ui's shared top level."""
    files = _files("ui")
    rooms_seen = {p.relative_to(ROOT / "ui").parts[0] for p in files if len(p.relative_to(ROOT / "ui").parts) > 1}
    assert rooms_seen == ROOMS
    offenders = []
    for p in files:
        parts = p.relative_to(ROOT / "ui").parts
        own = parts[0] if len(parts) > 1 else None
        for m in _imports(p):
            bits = m.split(".")
            if own and bits[0] == "ui" and len(bits) > 1 and bits[1] in ROOMS and bits[1] != own:
                offenders.append((str(p.relative_to(ROOT)), m))
    assert offenders == []


def test_loading_the_app_loads_no_generator_module():
    code = (
        "import sys\n"
        "import data_access.bootstrap, data_access.cached, ui.shell, ui.grid.deck, ui.data.view, ui.screen.wall\n"
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
