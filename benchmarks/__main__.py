"""``python -m benchmarks``: run every ``benchmarks/bench_*.py`` and print one JSON object per line.

Each module exposes ``run() -> Iterable[dict]`` yielding records with the keys
``name``, ``value``, ``unit``, ``budget`` and ``ok`` (the budget met or not). Pass module names
(``python -m benchmarks bench_lp``) to run only those.
"""
from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = argv or sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    failed = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        for record in module.run():
            print(json.dumps(record), flush=True)
            failed += not record.get("ok", True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
