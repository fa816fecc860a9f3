"""The policy report built from a small real run directory, checked as a reader would: rendered
with poppler (pages, text), in both languages, byte for byte reproducible."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports import i18n
from reports.document import pdf_metadata, write_report
from reports.figures import FIGURES
from reports.rundata import load_run
from scenarios.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "scenarios" / "base.toml"
POPPLER = shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) is not installed; "
                                                       "`make test` installs it")

#: Page titles in order, a continued page collapsed into its section.
SECTIONS = {
    "en": ["Collections policy report", "Current practice: what the optimized policy is compared with",
           "The policy, segment by segment",
           "Collection curves: share of the balance recovered", "Recovery against give-away",
           "What the constraints cost", "Weekly cash-flow forecast", "Agent utilization and the call queue",
           "Compliance with the contact rules", "Sensitivity: net recovery when a behaviour moves ±20%",
           "Assumptions: every parameter and its source"],
    "pt-BR": ["Relatório de política de cobrança", "Prática atual: com o que a política otimizada é comparada",
              "A política, segmento a segmento",
              "Curvas de recuperação: fração do saldo recuperada", "Recuperação contra descontos concedidos",
              "Quanto custam as restrições", "Previsão semanal de caixa", "Ocupação dos agentes e fila de ligações",
              "Conformidade com as regras de contato",
              "Sensibilidade: recuperação líquida quando um comportamento varia ±20%",
              "Premissas: todos os parâmetros e suas fontes"],
}


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """A real run directory of the base scenario on a 3,000-debtor portfolio (``acordo run``)."""
    from acordo.cli import main
    from acordo.pipeline import run_all
    root = tmp_path_factory.mktemp("report")
    portfolio = root / "portfolio.parquet"
    assert main(["portfolio", "--n", "3000", "--seed", "5", "--out", str(portfolio)]) == 0
    out = root / "run"
    run_all(BASE, out, portfolio=portfolio, replications=3, sensitivity_replications=2, cache_dir=root / "cache")
    return out


@pytest.fixture(scope="module")
def pt_report(run_dir, tmp_path_factory) -> Path:
    """The run's report rendered again in pt-BR, with ``SOURCE_DATE_EPOCH`` set (one rendering, two tests)."""
    target = _copy(run_dir, tmp_path_factory.mktemp("pt"))
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    try:
        write_report(target, "pt-BR")
    finally:
        mp.undo()
    return target


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(run_dir, target)
    return target


def _pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    return [p for p in pages[:-1]] if pages and not pages[-1].strip() else pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _render(pdf: Path, out: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(out / "page")], check=True)
    return sorted(out.glob("page-*.png"))


def _page_titles(pages: list[str]) -> list[str]:
    return [next(line for line in p.splitlines() if line.strip()).strip() for p in pages]


def _check_outline(pages: list[str], lang: str) -> None:
    titles = _page_titles(pages)
    continued = i18n.t("continued", lang)
    sections = []
    for title in titles:
        base = title.replace(f" {continued}", "")
        if continued in title:
            assert sections and sections[-1] == base, f"{title!r} does not continue the page before"
        else:
            sections.append(base)
    assert sections == SECTIONS[lang]
    total = len(pages)
    for n, page in enumerate(pages, start=1):
        assert i18n.t("page", lang, n=n, total=total) in page


# --------------------------------------------------------------------------- the run directory


def test_run_directory_has_the_report(run_dir):
    assert (run_dir / "report.pdf").stat().st_size > 10_000
    for name in FIGURES:
        assert (run_dir / "figures" / f"{name}.png").stat().st_size > 5_000, name
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".")]


def test_missing_file_is_an_input_error_naming_it(run_dir, tmp_path):
    target = _copy(run_dir, tmp_path)
    (target / "solution.json").unlink()
    (target / "agents.parquet").unlink()
    with pytest.raises(InputError) as info:
        write_report(target)
    files = sorted(Path(p.file).name for p in info.value.problems)
    assert files == ["agents.parquet", "solution.json"]
    assert all(p.problem == "missing file" for p in info.value.problems)
    assert not (target / ".report.pdf.tmp").exists()


def test_unsupported_language(run_dir):
    with pytest.raises(ValueError, match="lang"):
        write_report(run_dir, "es")


def test_load_run_reads_everything(run_dir):
    data = load_run(run_dir)
    assert data.segment_names == data.segments.get_column("segment").to_list()
    assert data.daily.get_column("replication").n_unique() == 3
    assert data.sensitivity is not None and data.assumptions is not None and data.frontier is not None
    assert data.solution["status"] == "OPTIMAL"


# --------------------------------------------------------------------------- rendered with poppler


@needs_poppler
def test_pages_in_order_none_blank(run_dir, tmp_path):
    pdf = run_dir / "report.pdf"
    pages = _pages_text(pdf)
    _check_outline(pages, "en")
    images = _render(pdf, tmp_path)
    assert len(images) == len(pages)
    import matplotlib.image as mpimg
    for image in images:
        pixels = mpimg.imread(image)[..., :3]
        ink = float((pixels.min(axis=2) < 0.9).mean())
        assert ink > 0.02, f"{image.name} is almost blank ({ink:.1%} of the pixels inked)"


@needs_poppler
def test_cover_carries_the_headline_numbers(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())["metrics"]
    baseline = json.loads((run_dir / "baseline_summary.json").read_text())["metrics"]
    validation = json.loads((run_dir / "solution.json").read_text())["validation"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    cover = _flat(_pages_text(run_dir / "report.pdf")[0])
    money = lambda v: i18n.money(v, "en", 0)  # noqa: E731
    expected = [i18n.money(manifest["portfolio"]["balance"], "en", 2), i18n.number(manifest["portfolio"]["debtors"], "en"),
                i18n.date(manifest["report_date"], "en"), manifest["scenario"]["name"]]
    for metrics in (summary, baseline):
        for name in ("net_npv", "give_away", "cost_npv", "collected"):
            mean, (lo, hi) = metrics[name]["mean"], metrics[name]["ci95"]
            if name != "net_npv":  # what cannot be negative is stated cut at zero (reports.intervals)
                lo = max(lo, 0.0)
            expected += [money(mean), f"[{money(lo)} – {money(hi)}]"]
    d = validation["difference"]
    expected += [money(d["mean"]), money(d["ci95"][0]), money(d["ci95"][1])]
    missing = [e for e in expected if e not in cover]
    assert not missing, f"not on the cover: {missing}"


@needs_poppler
def test_portuguese_report(pt_report):
    target = pt_report
    pages = _pages_text(target / "report.pdf")
    _check_outline(pages, "pt-BR")
    text = _flat("\n".join(pages))
    for label in ("Prática atual", "Política otimizada", "Recuperação líquida (VPL)", "Régua de cobrança",
                  "Descontos concedidos", "crônico", "Preços-sombra", "ligações na fila", "Violações",
                  "Fonte", "Definido por", "cenário incluído (base.toml)"):
        assert label in text, label
    for english in ("Current practice", "Optimized policy", "Net recovery", "page 1 of"):
        assert english not in text, english
    manifest = json.loads((target / "manifest.json").read_text())
    assert i18n.date(manifest["report_date"], "pt-BR") in pages[0]
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", pages[0])
    assert re.search(r"R\$ \d{1,3}(\.\d{3})+,\d{2}\b", pages[0]), "no R$ 1.234,56 amount on the cover"
    net = json.loads((target / "summary.json").read_text())["metrics"]["net_npv"]["mean"]
    assert i18n.money(net, "pt-BR", 0) in _flat(pages[0])
    assert "24/11/2026" not in text or manifest["report_date"] == "2026-11-24"


def test_same_run_directory_same_bytes(run_dir, tmp_path):
    target = _copy(run_dir, tmp_path)

    def snapshot() -> dict[str, bytes]:
        files = [target / "report.pdf", *sorted((target / "figures").glob("*.png"))]
        return {p.name: p.read_bytes() for p in files}

    # the run wrote its report once (acordo run, in process); rendering the same directory again,
    # the PDF and the figures drawn at the same time on two workers, gives the same bytes
    from simulation.pool import WorkerPool
    first = snapshot()
    with WorkerPool(2) as pool:
        write_report(target, "en", pool=pool)
    second = snapshot()
    assert set(first) == {"report.pdf", *(f"{n}.png" for n in FIGURES)}
    changed = [name for name in first if first[name] != second[name]]
    assert not changed, f"not reproducible: {changed}"


def test_source_date_epoch_sets_the_pdf_date(run_dir, pt_report, monkeypatch):
    target = pt_report
    assert b"D:20260101000000" in (target / "report.pdf").read_bytes()
    assert b"D:20260101000000" not in (run_dir / "report.pdf").read_bytes()  # the suite's own epoch: 2026-11-24
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert pdf_metadata(load_run(target), "en")["CreationDate"] is None  # no date at all, rather than today


def test_figures_draw_on_given_axes_and_alone(run_dir):
    from matplotlib.figure import Figure
    data = load_run(run_dir)
    for name, draw in FIGURES.items():
        fig = Figure(figsize=(8, 5))
        ax = fig.add_subplot()
        assert draw(data, "pt-BR", ax=ax) is ax, name
        alone = draw(data, "en")
        assert alone.figure is not fig, name


@pytest.mark.parametrize("lang", ["en", "pt-BR"])
def test_policy_and_constraint_pages_of_the_base_run_have_no_overlapping_text_and_fit_the_page(run_dir, lang):
    """Twelve segments, chronic ones and many priced limits: the crowded pages, in both languages."""
    from reports import figures as F
    from reports.layout import text_overlaps
    from reports.page_constraints import constraint_pages
    from reports.page_fit import fit_page, text_outside
    from reports.page_policy import policy_pages
    data = load_run(run_dir)
    with F.style():
        pages = policy_pages(data, lang) + constraint_pages(data, lang)
        for page in pages:
            fit_page(page.fig)  # as build_pages does
        found = {n: pairs for n, page in enumerate(pages, start=1) if (pairs := text_overlaps(page.fig))}
        outside = {n: texts for n, page in enumerate(pages, start=1) if (texts := text_outside(page.fig))}
    assert len(pages) >= 3 and found == {} and outside == {}


def test_constraint_pages_group_the_rows_worth_nothing_to_relax(run_dir):
    """A row that binds at the optimum but whose loosening is worth nothing is not a table row of
    its own: one line per constraint and segment names its levels and counts them."""
    from reports import figures as F
    from reports.page_constraints import _levels_text, constraint_pages
    assert _levels_text([(">= 5%", 1.0), (">= 10%", 2.0), (">= 15%", 0.0), (">= 45%", 3.0)], "en", 5.0) \
        == "≥ 5–15, 45% (4 rows)"
    assert _levels_text([("", 1.0)], "pt-BR", 5.0) == "1 linha"
    data = load_run(run_dir)
    sol = data.solution
    cons = {c["name"]: c for c in sol["constraints"]}
    prices = {p["name"]: p for p in F.shadow_prices(data, "en")}
    idle = [n for n in sol["binding"] if cons[n].get("note") and abs(float(prices.get(n, {"value": 0})["value"])) < 0.005]
    with F.style():
        pages = constraint_pages(data, "en")
        texts = [t.get_text() for page in pages for t in page.fig.texts]
    for name in idle:  # a row with levels is named only by its group; one without, once (in the group table)
        label = i18n.constraint(name, "en")
        assert texts.count(label) == (0 if " >= " in name else 1), name
    counted = sum(int(m.group(1)) for s in texts for m in [re.search(r"\((\d+) rows\)$", s)] if m)
    counted += sum(s == "1 row" for s in texts)
    assert counted == len(idle)
    if idle:
        assert any(s.startswith("Held with equality, worth nothing to relax") for s in texts)
