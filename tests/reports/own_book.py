"""A team's own book: a 171-debtor CSV segmented by a numeric column of its own (``months_late``).

The report tests run it (``tests/reports/test_pages_fit.py``); run it by hand to look at every
page of the pt-BR report as a PNG::

    .venv/bin/python tests/reports/own_book.py /tmp/own171            # pt-BR, 3 replications
    .venv/bin/python tests/reports/own_book.py /tmp/own171 --lang en

It writes the book (``book171.csv``), the scenario (``mine.toml``), the run directory (``run/``,
with ``report.pdf``) and ``pages/page-NN.png`` (poppler's ``pdftoppm`` when installed, else
matplotlib), and prints any page whose text boxes overlap.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl

__all__ = ["write_own_book", "run_own_book"]

_SCENARIO = (
    'name = "Carteira própria"\nextends = "base"\nreplace = ["segments", "cadences"]\n'
    '[portfolio]\nfile = "book171.csv"\n[optimizer]\nsample_per_segment = 150\n'
    '[segments.recente]\nrule = { months_late = [1, 4] }\n[segments.media]\nrule = { months_late = [4, 7] }\n'
    '[segments.antiga]\nrule = { months_late = [7, inf] }\n'
    '[cadences]\ndefault = [{ day = 1, channel = "sms" }, { day = 3, channel = "call" }, '
    '{ day = 20, channel = "whatsapp" }]\n')


def write_own_book(root: Path, n: int = 171) -> Path:
    """Write ``book171.csv`` (an ``months_late`` column of the team's own) and ``mine.toml``; return the scenario."""
    from scenarios.portfolio import validate_frame
    from scenarios.synthetic import generate_portfolio
    frame = validate_frame(generate_portfolio(n, np.random.default_rng(3)), "g", "SP").frame
    frame = frame.with_columns(months_late=(pl.col("days_past_due") // 30 + 1).cast(pl.Int64))
    frame.drop("product").write_csv(root / "book171.csv")
    (root / "mine.toml").write_text(_SCENARIO, encoding="utf-8")
    return root / "mine.toml"


def run_own_book(root: Path, lang: str = "pt-BR", replications: int = 3, seed: int = 11) -> Path:
    """``acordo run`` of the own book into ``root/run``; returns the run directory."""
    from acordo.cli import main
    scenario = write_own_book(root)
    out = root / "run"
    code = main(["run", str(scenario), "--out", str(out), "--lang", lang, "--replications", str(replications),
                 "--quiet", "--seed", str(seed), "--force"])
    if code != 0:
        raise RuntimeError(f"acordo run exited {code}")
    return out


def _pages(run: Path, lang: str, target: Path) -> None:
    """Every page as a PNG in ``target``; prints the pages whose text boxes overlap."""
    from reports import figures as F
    from reports.document import build_pages
    from reports.layout import text_overlaps
    from reports.rundata import load_run
    target.mkdir(parents=True, exist_ok=True)
    with F.style():
        pages = build_pages(load_run(run), lang)
        for n, fig in enumerate(pages, start=1):
            if (pairs := text_overlaps(fig)):
                print(f"page {n}: {len(pairs)} overlapping text boxes, first {pairs[0]}")
            if not shutil.which("pdftoppm"):
                fig.savefig(target / f"page-{n:02d}.png", dpi=110)
    if shutil.which("pdftoppm"):
        # the report in ``lang``: the run's own PDF is in the run's language
        from reports.document import write_report
        write_report(run, lang)
        subprocess.run(["pdftoppm", "-png", "-r", "80", str(run / "report.pdf"), str(target / "page")], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--lang", default="pt-BR", choices=["pt-BR", "en"])
    parser.add_argument("--replications", type=int, default=3)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    run = run_own_book(args.folder, args.lang, args.replications)
    _pages(run, args.lang, args.folder / "pages")
    print(f"report: {run / 'report.pdf'}\npages: {args.folder / 'pages'}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
