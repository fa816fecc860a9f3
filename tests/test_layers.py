"""Layers: acordo → reports → optimizer | calibration → simulation → scenarios; imports point down only.

``optimizer`` and ``calibration`` share a rank: neither may import the other."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("scenarios", "simulation", "optimizer", "calibration", "reports", "acordo")
#: Rank of each layer; a module may import only packages of a strictly lower rank (or its own).
RANK = {"scenarios": 0, "simulation": 1, "optimizer": 2, "calibration": 2, "reports": 3, "acordo": 4}


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
    upward = {p for p in imported_packages(path) if p != layer and RANK[p] >= RANK[layer]}
    assert not upward, f"{path.relative_to(ROOT)} imports {sorted(upward)}, not below its layer {layer!r}"


def test_the_check_would_catch_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from optimizer.lp import solve_policy\n")
    assert imported_packages(bad) == {"optimizer"}


def test_optimizer_and_calibration_are_siblings():
    assert RANK["optimizer"] == RANK["calibration"]
