"""The ``acordo`` command line (DESIGN §7).

Exit codes: 0 success, 2 bad input (one line per problem: ``file: key: problem (got X,
expected Y)``), 1 internal error. Progress goes to stderr; results and paths to stdout.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from scenarios.errors import InputError, Problem
from simulation.pool import default_workers

__all__ = ["main", "build_parser"]

BUNDLED = Path(__file__).resolve().parent.parent / "scenarios"


def _scenario_path(arg: str) -> str:
    """A scenario argument: a path, or the name of a bundled scenario (``base``, ``crediario``)."""
    path = Path(arg)
    if path.exists():
        return arg
    for candidate in (BUNDLED / arg, BUNDLED / f"{arg}.toml"):
        if candidate.is_file():
            return str(candidate)
    return arg


def _positive_int(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: not a whole number (got {text!r}, expected an integer >= 1)")
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name}: out of range (got {value}, expected an integer >= 1)")
        return value
    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed: not a whole number (got {text!r}, expected 0 <= seed < 2**63)")
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"--seed: out of range (got {value}, expected 0 <= seed < 2**63)")
    return value


class _Progress:
    """A rich progress display on stderr, one bar per stage."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "_Progress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), console=Console(stderr=True), transient=False)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, label: str, advance: int, total: int) -> None:
        if self.bar is None:
            return
        if label not in self.tasks:
            self.tasks[label] = self.bar.add_task(label, total=total)
        self.bar.update(self.tasks[label], advance=advance, total=total)


def _cmd_validate(args: argparse.Namespace) -> int:
    from scenarios.inputs import load_inputs
    from scenarios.loader import load_scenario
    scenario = load_scenario(_scenario_path(args.scenario))
    inputs = load_inputs(scenario, args.portfolio)
    counts = inputs.segment_counts(scenario)
    print(f"{scenario.source}: ok — {scenario.name}; {inputs.portfolio.n:,} debtors, "
          f"R$ {inputs.portfolio.total_balance:,.2f}, {len(counts)} segments")
    for name, n in counts.items():
        print(f"  {name:<28} {n:>10,}")
    return 0


def _cmd_portfolio(args: argparse.Namespace) -> int:
    import numpy as np

    from scenarios.synthetic import generate_portfolio, write_portfolio
    out = Path(args.out)
    if out.suffix not in (".csv", ".parquet", ".pq"):
        raise InputError([Problem("--out", "", "unknown file type", out.suffix or "no suffix", ".csv or .parquet")])
    frame = generate_portfolio(args.n, np.random.default_rng(args.seed), args.product)
    tmp = out.with_name(f".{out.name}.partial{out.suffix}")
    try:
        write_portfolio(frame, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    print(f"{out}: {frame.height:,} debtors, R$ {frame.get_column('balance').sum():,.2f}")
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from acordo.pipeline import run_simulate
    with _Progress(not args.quiet) as progress:
        result = run_simulate(_scenario_path(args.scenario), args.out, portfolio=args.portfolio,
                              policy_path=args.policy, replications=args.replications, seed=args.seed,
                              workers=args.workers, force=args.force, progress=progress)
    print(result.summary())
    print(f"written: {args.out}")
    return 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    from acordo.pipeline import run_optimize
    with _Progress(not args.quiet) as progress:
        _, result = run_optimize(_scenario_path(args.scenario), args.out, portfolio=args.portfolio,
                                 integer=args.integer, budget=args.budget, seed=args.seed,
                                 replications=args.replications, workers=args.workers, force=args.force,
                                 progress=progress)
    print(result.summary())
    print(f"written: {args.out}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from acordo.pipeline import run_all
    with _Progress(not args.quiet) as progress:
        out = run_all(_scenario_path(args.scenario), args.out, portfolio=args.portfolio, lang=args.lang,
                      seed=args.seed, replications=args.replications, workers=args.workers, force=args.force,
                      progress=progress)
    print(f"report: {Path(out) / 'report.pdf'}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from reports.document import write_report
    pdf = write_report(Path(args.dir), lang=args.lang)
    print(f"report: {pdf}")
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from acordo.whatif import run_compare
    with _Progress(not args.quiet) as progress:
        result = run_compare([_scenario_path(s) for s in args.scenarios], args.out, portfolio=args.portfolio,
                             replications=args.replications, seed=args.seed, workers=args.workers,
                             cluster=args.cluster, force=args.force, progress=progress, lang=args.lang)
    print(result.summary())
    print(f"written: {args.out}")
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from acordo.whatif import run_sweep, state_directory
    try:
        with _Progress(not args.quiet) as progress:
            result = run_sweep(_scenario_path(args.scenario), args.set, args.out, portfolio=args.portfolio,
                               optimize=args.optimize, workers=args.workers, cluster=args.cluster, resume=args.resume,
                               replications=args.replications, seed=args.seed, force=args.force, progress=progress,
                               notice=lambda text: print(f"acordo: {text}", file=sys.stderr))
    except KeyboardInterrupt:
        state = state_directory(args.out)
        if state.is_dir():
            kept = sum(1 for p in state.iterdir() if p.suffix in (".npz", ".json") and p.name != "sweep.json")
            print(f"acordo: sweep interrupted; {kept} finished tasks are kept in {state}: run the same command "
                  "with --resume to finish", file=sys.stderr)
        raise
    print(result.summary())
    print(f"written: {args.out}")
    return 0


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budget: not a number (got {text!r}, expected R$ >= 0)")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"--budget: out of range (got {text}, expected R$ >= 0)")
    return value


def _default_workers() -> int:
    """``$ACORDO_WORKERS`` when it is a whole number >= 1, else every core."""
    text = os.environ.get("ACORDO_WORKERS", "")
    return int(text) if text.isdigit() and int(text) >= 1 else default_workers()


def _job_options(p: argparse.ArgumentParser, *, cluster: bool = False, replications: str | None = None,
                 seed: str | None = None, portfolio: str = "CSV or Parquet portfolio overriding the scenario's") -> None:
    """The options every job command shares: output, portfolio, seeds, processes, --force, --quiet."""
    p.add_argument("--out", required=True, help="run directory to create")
    p.add_argument("--portfolio", help=portfolio)
    p.add_argument("--replications", type=_positive_int("--replications"), help=replications)
    p.add_argument("--seed", type=_seed, help=seed)
    p.add_argument("--workers", type=_positive_int("--workers"), default=_default_workers(),
                   help="processes (default: every core, here %(default)s, or $ACORDO_WORKERS; results do not change)")
    if cluster:
        p.add_argument("--cluster", metavar="local|tcp://HOST:8786",
                       help="run on Dask: 'local' starts a LocalCluster, else a scheduler address")
    p.add_argument("--force", action="store_true", help="replace an existing non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def _lang_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--lang", default="en", choices=("en", "pt-BR"), help=f"{what} (default: en)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="acordo", description="Collections policy simulator and optimizer.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a scenario (and its portfolio) and report every problem")
    p.add_argument("scenario", help="scenario TOML file, or the name of a bundled scenario")
    p.add_argument("--portfolio", help="CSV or Parquet portfolio overriding the scenario's")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("portfolio", help="write a synthetic Brazilian portfolio")
    p.add_argument("--n", type=_positive_int("--n"), required=True, help="number of debtors")
    p.add_argument("--seed", type=_seed, required=True, help="random seed (same seed, same bytes)")
    p.add_argument("--out", required=True, help="output .csv or .parquet")
    p.add_argument("--product", default="mixed", choices=("mixed", "crediario", "cartao", "telecom", "pessoal"),
                   help="product profile (default: mixed)")
    p.set_defaults(func=_cmd_portfolio)

    p = sub.add_parser("simulate", help="Monte Carlo of a policy on a scenario")
    p.add_argument("scenario")
    p.add_argument("--policy", help="policy file (TOML like [baseline], or policy.json); default: the baseline")
    _job_options(p)
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser("optimize", help="per-segment offer policy by LP, with shadow prices, frontier and an out-of-sample check")
    p.add_argument("scenario")
    p.add_argument("--integer", action="store_true", help="one offer per segment (MILP) instead of offer mixes")
    p.add_argument("--budget", type=_budget, help="give-away budget in R$ (overrides optimizer.budget)")
    _job_options(p, replications="out-of-sample replications")
    p.set_defaults(func=_cmd_optimize)

    p = sub.add_parser("run", help="baseline → optimize → out-of-sample check → sensitivity → report, in one run directory")
    p.add_argument("scenario")
    _lang_option(p, "report language")
    _job_options(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="scenarios side by side on common random numbers, with paired 95% CIs "
                                       "of each difference against the first")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files (or bundled names); the first "
                                                                    "is the reference")
    _job_options(p, seed="root seed shared by every scenario (default: the first one's)", cluster=True,
                 portfolio="CSV or Parquet portfolio overriding every scenario's")
    _lang_option(p, "language of compare.pdf")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("sweep", help="a grid of what-ifs (--set KEY=V1,V2 ...) in one sweep.parquet, with a heat "
                                     "map per metric")
    p.add_argument("scenario")
    p.add_argument("--set", action="append", required=True, metavar="KEY=V1,V2",
                   help="a dotted scenario key and its values (TOML literals, comma-separated); repeat for a grid")
    p.add_argument("--optimize", action="store_true", help="also run the optimizer in each cell")
    p.add_argument("--resume", action="store_true", help="finish an interrupted sweep, redoing only missing tasks")
    _job_options(p, cluster=True)
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("report", help="(re)build report.pdf and figures/ of a run directory, without simulating")
    p.add_argument("dir", help="a run directory made by `acordo run`")
    _lang_option(p, "report language")
    p.set_defaults(func=_cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("acordo: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("ACORDO_DEBUG"):
            raise
        print(f"acordo: internal error: {exc.__class__.__name__}: {exc} (set ACORDO_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
