"""Every label of the report in one table, :data:`LABELS`, gathered from the tables of each part."""
from __future__ import annotations

from reports.i18n.labels_calibration import CALIBRATION_LABELS
from reports.i18n.labels_pages import PAGE_LABELS
from reports.i18n.labels_report import REPORT_LABELS

__all__ = ["LABELS"]


def _gather(*tables: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """One table from several; a key in two of them is an error (one text per key)."""
    out: dict[str, dict[str, str]] = {}
    for table in tables:
        twice = sorted(set(out) & set(table))
        if twice:
            raise ValueError(f"reports.i18n: labels defined twice: {twice}")
        out.update(table)
    return out


#: key → {language: text}; ``{name}`` fields are filled by :func:`reports.i18n.t`.
LABELS: dict[str, dict[str, str]] = _gather(REPORT_LABELS, PAGE_LABELS, CALIBRATION_LABELS)
