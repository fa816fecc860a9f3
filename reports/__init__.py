"""The policy report: reads a run directory and writes ``report.pdf`` and ``figures/*.png``.

Modules: :mod:`reports.rundata` (read and check a run directory), :mod:`reports.i18n`
(labels and number formats in English and Brazilian Portuguese), :mod:`reports.figures`
(one function per figure) and :mod:`reports.document` (the PDF, :func:`write_report`).
This layer only reads results; it never simulates.
"""
