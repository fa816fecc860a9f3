"""The policy report: an A4 landscape PDF and every figure as PNG, from a run directory.

:func:`write_report` only reads the run directory (:func:`reports.rundata.load_run`) and
writes ``report.pdf`` and ``figures/*.png`` into it. Pages, in order:

1. cover: scenario, portfolio, date, the headline with confidence intervals;
2. the policy per segment (continued on more pages when it does not fit);
3. collection curves; 4. recovery against give-away; 5. what the constraints cost;
5b. with several cycles, one cycle or the long run (:mod:`reports.page_longrun`);
6. weekly cash flow; 7. agents and the call queue; 8. compliance; 9. sensitivity;
10. assumptions (as many pages as it takes).

Pages whose optional input is missing (sensitivity, assumptions) are left out. Each group of
pages is its own module: :mod:`reports.page_cover`, :mod:`reports.page_policy`,
:mod:`reports.page_constraints`, :mod:`reports.page_operations`, :mod:`reports.page_appendix`;
the page frame and tables are in :mod:`reports.layout`.

The output is deterministic: the same run directory gives the same bytes. Matplotlib runs
on :class:`~matplotlib.figure.Figure` objects (Agg for PNG, the PDF backend for the
document) inside ``rc_context``, so no global state is changed; the PDF carries no
creation date unless ``SOURCE_DATE_EPOCH`` is set, PNGs carry no software tag, and
everything is iterated in a fixed order.
"""
from __future__ import annotations

import datetime as _dt
import os
import shutil
from pathlib import Path
from typing import Sequence

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from reports import figures as F
from reports import i18n
from reports.i18n import t
from reports.layout import (  # noqa: F401  (re-exported: the compare report draws with them)
    PAGE_SIZE, PNG_DPI, _CONTENT_BOTTOM, _CONTENT_TOP, _MARGIN_X, Column, _Page, _axes_in, _cell_lines, _ci_text,
    _draw_table, _footer, _layout, _money_auto, _page, _row_height, _signed, _signed_pp, _sized, _text_width, _wrap,
)
from reports.layout import declutter_ticks
from reports.page_appendix import assumption_pages, sensitivity_page
from reports.page_constraints import constraint_pages
from reports.page_cover import cover_page, one_practice
from reports.page_fit import fit_page
from reports.page_longrun import longrun_pages
from reports.page_operations import agents_page, cashflow_page, compliance_page
from reports.page_practice import practice_pages
from reports.page_policy import curves_page, frontier_page, policy_pages
from reports.rundata import RunData, load_run
from simulation.pool import WorkerPool

__all__ = ["PAGE_SIZE", "PNG_DPI", "Column", "write_report", "build_pages", "save_figures", "pdf_metadata"]


def run_currency(data: RunData) -> str:
    """The ISO code of the run's currency (``money.currency``; BRL when not recorded)."""
    return (data.assumption("money.currency") or "BRL").strip("'\"")


def build_pages(data: RunData, lang: str) -> list[Figure]:
    """The report's pages as figures, footers included, in order; amounts in the run's currency."""
    i18n.check_lang(lang)
    with i18n.currency(run_currency(data)):
        return _build_pages(data, lang)


def _build_pages(data: RunData, lang: str) -> list[Figure]:
    pages: list[_Page] = [cover_page(data, lang)]
    if one_practice(data, lang) is None:  # else the cover states it in one line
        pages += practice_pages(data, lang)
    pages += policy_pages(data, lang)
    pages.append(curves_page(data, lang))
    if data.frontier is not None:
        pages.append(frontier_page(data, lang))
    pages += constraint_pages(data, lang)
    pages += longrun_pages(data, lang)  # several cycles only
    pages.append(cashflow_page(data, lang))
    pages.append(agents_page(data, lang))
    pages.append(compliance_page(data, lang))
    if data.sensitivity is not None and data.sensitivity.height:
        pages.append(sensitivity_page(data, lang))
    if data.assumptions is not None and data.assumptions.height:
        pages += assumption_pages(data, lang)
    for n, page in enumerate(pages, start=1):
        _footer(page, n, len(pages), data, lang)
        fit_page(page.fig)  # titles wrapped and axes narrowed to stay inside the margins
        declutter_ticks(page.fig)
    return [p.fig for p in pages]


def pdf_metadata(data: RunData, lang: str) -> dict[str, object]:
    """Fixed PDF metadata: title, subject and creator; a creation date only from ``SOURCE_DATE_EPOCH``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    created = None
    if epoch.isdigit():
        created = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    version = str(data.manifest.get("versions", {}).get("acordo", ""))
    return {
        "Title": f"{t('report_title', lang)}: {data.scenario_name}",
        "Subject": str(data.manifest.get("scenario", {}).get("file", "")),
        "Author": None,
        "Creator": f"acordo {version}".strip(),
        "Keywords": None,
        "CreationDate": created,
        "ModDate": None,
    }


def save_figures(data: RunData, lang: str, directory: Path, names: Sequence[str] | None = None) -> list[Path]:
    """Every figure of :data:`reports.figures.FIGURES` (or those ``names``) as ``directory/NAME.png``
    (fixed DPI, no metadata)."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, draw in F.FIGURES.items():
        if names is not None and name not in names:
            continue
        with F.style():
            ax = draw(data, lang)
            path = directory / f"{name}.png"
            ax.figure.savefig(path, dpi=PNG_DPI, metadata={"Software": None}, facecolor="white")
        out.append(path)
    return out


def _write_pdf(data: RunData, lang: str, path: Path) -> None:
    with F.style():
        pages = build_pages(data, lang)
        with PdfPages(path, metadata=pdf_metadata(data, lang)) as out:
            for fig in pages:
                out.savefig(fig)


def _write_figures(data: RunData, lang: str, directory: Path, names: Sequence[str] | None = None) -> None:
    with i18n.currency(run_currency(data)):
        save_figures(data, lang, directory, names)


def _draw_part(shared: tuple[str, str, str, str], part: tuple[str, tuple[str, ...]]) -> None:
    """On a worker: the PDF (``("pdf", ())``) or some PNG figures (``("png", names)``) of the run in ``root``."""
    root, lang, tmp_pdf, tmp_dir = shared
    data = load_run(Path(root))
    if part[0] == "pdf":
        _write_pdf(data, lang, Path(tmp_pdf))
    else:
        _write_figures(data, lang, Path(tmp_dir), part[1])


def write_report(run_dir: str | Path, lang: str = "en", pool: WorkerPool | None = None) -> Path:
    """Write ``report.pdf`` and ``figures/*.png`` into the run directory ``run_dir``.

    Parameters
    ----------
    run_dir : str or Path
        A directory written by ``acordo run``; only read (see :func:`reports.rundata.load_run`).
    lang : {"en", "pt-BR"}
    pool : WorkerPool, optional
        The job's workers: with two or more, the PDF and the PNG figures (in two halves) are
        drawn at the same time on them (the same bytes as drawn here, one after the other).

    Returns
    -------
    Path
        The PDF written.

    Raises
    ------
    ValueError
        For an unsupported ``lang``.
    scenarios.errors.InputError
        When a file the report needs is missing or malformed.
    """
    i18n.check_lang(lang)
    root = Path(run_dir)
    data = load_run(root)
    pdf = root / "report.pdf"
    tmp_pdf = root / ".report.pdf.tmp"
    tmp_dir = root / ".figures.tmp"
    old_dir = root / ".figures.old"
    for leftover in (tmp_dir, old_dir):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        if pool is not None and pool.workers > 1:
            names = tuple(F.FIGURES)
            parts = [("pdf", ()), ("png", names[0::2]), ("png", names[1::2])]
            pool.map(_draw_part, parts, shared=(str(root), lang, str(tmp_pdf), str(tmp_dir)))
        else:
            _write_pdf(data, lang, tmp_pdf)
            _write_figures(data, lang, tmp_dir)
        figures_dir = root / "figures"
        if figures_dir.exists():
            figures_dir.rename(old_dir)
        tmp_dir.rename(figures_dir)
        os.replace(tmp_pdf, pdf)
    finally:
        if tmp_pdf.exists():
            tmp_pdf.unlink()
        for leftover in (tmp_dir, old_dir):
            if leftover.exists():
                shutil.rmtree(leftover)
    return pdf
