"""The ``acordo`` command line.

Exit codes: 0 success, 2 bad input (one line per problem: ``file: key: problem (got X,
expected Y)``), 1 internal error. Progress goes to stderr; results and paths to stdout.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from acordo.arguments import Parser, check_arguments, key_cap, positive_int
from acordo.rundir import pid_alive
from acordo.arguments import budget as _budget
from acordo.arguments import seed as _seed
from scenarios.errors import InputError, Problem
from simulation.pool import default_workers

__all__ = ["main", "build_parser", "Terminated"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the run directory is cleaned up, the exit code is 143."""


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


class _Progress:
    """A rich progress display on stderr, one bar per stage."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "_Progress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn)
            self.bar = Progress(SpinnerColumn(finished_text="✓"), TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True),
                                transient=False)
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
    scenario = load_scenario(_scenario_path(args.scenario), portfolio=args.portfolio, check_columns=True)
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
    from acordo.rundir import blocked_signals, check_output_file
    out = check_output_file(args.out, args.force, (".csv", ".parquet", ".pq"))
    frame = generate_portfolio(args.n, np.random.default_rng(args.seed), args.product)
    for stale in out.parent.glob(f".{out.name}.*.partial{out.suffix}"):
        pid = stale.name[len(out.name) + 2:].split(".")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            stale.unlink(missing_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial{out.suffix}")
    try:
        write_portfolio(frame, tmp)
        with blocked_signals():
            check_output_file(out, args.force, (".csv", ".parquet", ".pq"))
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
                              workers=args.workers, force=args.force, progress=progress,
                              history=args.history)
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
    import json

    from reports.headline import headline_text
    print(headline_text(json.loads((Path(out) / "solution.json").read_text(encoding="utf-8")).get("validation", {})))
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


def _cmd_assign(args: argparse.Namespace) -> int:
    from acordo.treatments import run_assign
    table = run_assign(args.run_dir, args.portfolio, args.out, force=args.force)
    shares = table.group_by("arm").len().sort("arm")
    print(f"{args.out}: {table.height:,} debtors (" + ", ".join(f"{a} {n:,}" for a, n in shares.iter_rows())
          + "); carries raw debtor ids: for the team's own systems only (mode 0600)")
    return 0


def _cmd_plan_test(args: argparse.Namespace) -> int:
    from acordo.plantest import run_plan_test
    plan = run_plan_test(args.run_dir, args.portfolio)
    print(plan.summary())
    print(f"written: {Path(args.run_dir) / 'test_plan.json'}, treatments.csv and treatments.parquet (with the arms)")
    return 0


def _cmd_simulate_test(args: argparse.Namespace) -> int:
    from acordo.evaluate import simulate_test
    out = simulate_test(args.run_dir, args.out, seed=args.seed, portfolio=args.portfolio, force=args.force)
    print(f"written: {out} (a simulated history of the planned test, pseudonymised ids)")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from acordo.evaluate import run_evaluate
    result = run_evaluate(args.run_dir, args.history, out=args.out, lang=args.lang, force=args.force)
    print(result.summary())
    print(f"written: {result.directory / 'evaluation.json'}, {result.directory / 'evaluation.pdf'}")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from acordo.calibrate import run_calibrate
    with _Progress(not args.quiet) as progress:
        result, bt = run_calibrate(_scenario_path(args.scenario), args.history, args.out, as_of=args.as_of,
                                   holdout_from=args.holdout_from, lang=args.lang, seed=args.seed,
                                   replications=args.replications, force=args.force, progress=progress)
    print(result.summary())
    if bt is not None:
        print(bt.summary())
    print(f"written: {args.out}")
    return 0


def _date(name: str) -> Callable[[str], "object"]:
    def parse(text: str):
        import datetime as _dt
        try:
            return _dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: not a date (got {text!r}, expected YYYY-MM-DD)")
    return parse


def _default_workers() -> int:
    """``$ACORDO_WORKERS`` when it is a whole number >= 1, else every core."""
    text = os.environ.get("ACORDO_WORKERS", "")
    return int(text) if text.isdigit() and int(text) >= 1 else default_workers()


def _job_options(p: argparse.ArgumentParser, *, cluster: bool = False, replications: str | None = None,
                 seed: str | None = None, portfolio: str = "CSV, Excel or Parquet portfolio overriding the scenario's") -> None:
    """The options every job command shares: output, portfolio, seeds, processes, --force, --quiet."""
    p.add_argument("--out", required=True, help="run directory to create")
    p.add_argument("--portfolio", help=portfolio)
    from scenarios.schema import MonteCarlo
    _read_options(p)
    p.add_argument("--replications", type=positive_int("--replications", key_cap(MonteCarlo, "replications")),
                   help=replications)
    p.add_argument("--seed", type=_seed, help=seed)
    p.add_argument("--workers", type=positive_int("--workers"), default=_default_workers(),
                   help="processes (default: every core, here %(default)s, or $ACORDO_WORKERS; results do not change)")
    if cluster:
        p.add_argument("--cluster", metavar="local|tcp://HOST:8786",
                       help="run on Dask: 'local' starts a LocalCluster, else a scheduler address")
    p.add_argument("--force", action="store_true",
                   help="replace an earlier acordo run directory at --out (never a file or another directory)")
    p.add_argument("--quiet", action="store_true", help="no progress display")


def _read_options(p: argparse.ArgumentParser) -> None:
    """How to read a --portfolio export, when detection is not wanted."""
    p.add_argument("--sep", help="CSV separator of --portfolio: ',', ';', '|' or 'tab' (default: detected)")
    p.add_argument("--decimal", choices=(".", ","), help="decimal mark of --portfolio (default: detected)")
    p.add_argument("--sheet", help="Excel sheet of --portfolio, by name or number (default: the first)")


def _portfolio_file(args: argparse.Namespace) -> None:
    """``args.portfolio`` with the reading options attached, when any was given."""
    from scenarios.inputs import PortfolioFile
    sep, decimal, sheet = (getattr(args, k, None) for k in ("sep", "decimal", "sheet"))
    if getattr(args, "portfolio", None) and (sep or decimal or sheet):
        args.portfolio = PortfolioFile(args.portfolio, "\t" if sep == "tab" else sep, decimal, sheet)


def _lang_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--lang", default="en", choices=("en", "pt-BR"), help=f"{what} (default: en)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = Parser(prog="acordo", description="Collections policy simulator and optimizer.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    p = sub.add_parser("validate", help="check a scenario (and its portfolio) and report every problem")
    p.add_argument("scenario", help="scenario TOML file, or the name of a bundled scenario")
    p.add_argument("--portfolio", help="CSV, Excel or Parquet portfolio overriding the scenario's")
    _read_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("portfolio", help="write a synthetic Brazilian portfolio")
    from scenarios.schema import PortfolioSource
    p.add_argument("--n", type=positive_int("--n", key_cap(PortfolioSource, "synthetic_n")), required=True, help="number of debtors")
    p.add_argument("--seed", type=_seed, required=True, help="random seed (same seed, same bytes)")
    p.add_argument("--out", required=True, help="output .csv or .parquet")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    p.add_argument("--product", default="mixed", choices=("mixed", "crediario", "cartao", "telecom", "pessoal"),
                   help="product profile (default: mixed)")
    p.set_defaults(func=_cmd_portfolio)

    p = sub.add_parser("simulate", help="Monte Carlo of a policy on a scenario")
    p.add_argument("scenario")
    p.add_argument("--policy", help="policy file (TOML like [baseline], or policy.json); default: the baseline")
    p.add_argument("--history", action="store_true",
                   help="also write history/: replication 0's events in the history format (docs/history.md)")
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

    p = sub.add_parser("compare", help="scenarios side by side on common random numbers, with paired 95%% CIs "
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

    p = sub.add_parser("assign", help="the treatment file (who gets which offer) of a run's policy for a new "
                                      "portfolio; carries raw debtor ids")
    p.add_argument("run_dir", help="a run directory made by `acordo run` or `acordo optimize`")
    p.add_argument("--portfolio", required=True, help="CSV or Parquet portfolio of the new month")
    p.add_argument("--out", required=True, help="output .csv or .parquet (written readable by you only)")
    p.add_argument("--force", action="store_true", help="replace an existing --out")
    p.set_defaults(func=_cmd_assign)

    p = sub.add_parser("plan-test", help="design the champion/challenger test of a run's policy: shares, sample "
                                         "sizes for 80%% power, duration; writes the arms into treatments.*")
    p.add_argument("run_dir", help="a run directory made by `acordo run`")
    p.add_argument("--portfolio", help="the run's portfolio, when it is no longer where manifest.json says")
    p.set_defaults(func=_cmd_plan_test)

    p = sub.add_parser("simulate-test", help="simulate the planned test once (each debtor shown its treatment's "
                                             "offer) and write its history, for `acordo evaluate`")
    p.add_argument("run_dir", help="a run directory with its treatment file (after `acordo plan-test`)")
    p.add_argument("--out", required=True, help="history folder to create")
    p.add_argument("--seed", type=_seed, help="root seed (default: the scenario's)")
    p.add_argument("--portfolio", help="the run's portfolio, when it is no longer where manifest.json says")
    p.add_argument("--force", action="store_true", help="replace an existing non-empty --out")
    p.set_defaults(func=_cmd_simulate_test)

    p = sub.add_parser("evaluate", help="measure a champion/challenger test from its history against the run's "
                                        "prediction: evaluation.json and evaluation.pdf")
    p.add_argument("run_dir", help="the run directory whose test was run (with test_plan.json)")
    p.add_argument("--history", required=True, help="history folder of the test period (docs/history.md)")
    p.add_argument("--out", help="directory to write into (default: RUN_DIR/evaluation)")
    p.add_argument("--force", action="store_true", help="replace an existing non-empty --out")
    _lang_option(p, "language of evaluation.pdf")
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("calibrate", help="estimate the scenario's behaviour from the team's history (docs/calibration.md)")
    p.add_argument("scenario")
    p.add_argument("--history", required=True, help="history folder (docs/history.md)")
    p.add_argument("--as-of", type=_date("--as-of"), help="end of observation (default: the latest date)")
    p.add_argument("--holdout-from", type=_date("--holdout-from"),
                   help="backtest: fit on accounts that entered before this date, predict the others")
    _lang_option(p, "language of calibration.pdf")
    p.add_argument("--out", required=True, help="run directory to create")
    p.add_argument("--replications", type=positive_int("--replications"), help="backtest replications (default 20)")
    p.add_argument("--seed", type=_seed, help="backtest seed (default: the scenario's)")
    p.add_argument("--force", action="store_true", help="replace an existing non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser("report", help="(re)build report.pdf and figures/ of a run directory, without simulating")
    p.add_argument("dir", help="a run directory made by `acordo run`")
    _lang_option(p, "report language")
    p.set_defaults(func=_cmd_report)
    return parser


def _on_sigterm(signum, frame) -> NoReturn:
    raise Terminated()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Each warning as one line on stderr, ``warning: file: key: problem (...)``, no source line."""
    print(f"warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Exit codes: 0 success, 2 bad input or an operating-system refusal (one line each),
    130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 1 internal error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    from acordo.rundir import COMMITTED
    done_before = len(COMMITTED)
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread
        pass
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            from scenarios.bookchecks import BookWarning
            warnings.simplefilter("default", BookWarning)  # each distinct warning once per command
            check_arguments(args, _scenario_path)
            _portfolio_file(args)
            return args.func(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        from acordo.rundir import COMMITTED
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        done = f"{COMMITTED[-1]} was already written completely" if COMMITTED[done_before:] else "nothing was written"
        print(f"acordo: {what}; {done}", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:
        where = exc.filename if exc.filename else "acordo"
        print(Problem(str(where), "", f"operating system refused: {exc.strerror or type(exc).__name__}", None,
                      None), file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if os.environ.get("ACORDO_DEBUG"):
            raise
        print(f"acordo: internal error: {exc.__class__.__name__}: {exc} (set ACORDO_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
