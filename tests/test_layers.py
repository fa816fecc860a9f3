"""Layers: acordo → reports → optimizer → simulation → scenarios; imports point down only."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("scenarios", "simulation", "optimizer", "reports", "acordo")


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(LAYERS)


FILES = [(layer, p) for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))]


@pytest.mark.parametrize("layer, path", FILES, ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v)
def test_imports_point_down(layer, path):
    rank = LAYERS.index(layer)
    upward = {p for p in imported_packages(path) if LAYERS.index(p) > rank}
    assert not upward, f"{path.relative_to(ROOT)} imports {sorted(upward)}, above its layer {layer!r}"


def test_the_check_would_catch_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from optimizer.lp import solve_policy\n")
    assert imported_packages(bad) == {"optimizer"}
