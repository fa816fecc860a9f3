"""Every word and number of the report, in English and Brazilian Portuguese.

Labels live in one table, :data:`LABELS` (gathered in
:mod:`reports.i18n.labels` from one module per part of the report), with one entry per key and one text per
language; :func:`t` looks them up and fails loudly on an unknown key, so a label can
never silently fall back to English in the pt-BR report. Numbers are formatted here and
nowhere else:

============  =====================  =====================
kind          ``en``                 ``pt-BR``
============  =====================  =====================
money         ``R$ 1,234.56``        ``R$ 1.234,56``
compact       ``R$ 1.2M``, ``R$ 35k``  ``R$ 1,2 mi``, ``R$ 35 mil``
percent       ``12.5%``              ``12,5%``
date          ``24 Nov 2026``        ``24/11/2026``
============  =====================  =====================
"""

from __future__ import annotations

from reports.i18n.formats import *  # noqa: F401,F403
from reports.i18n.formats import __all__ as _formats
from reports.i18n.labels import LABELS
from reports.i18n.names import *  # noqa: F401,F403
from reports.i18n.names import __all__ as _names

__all__ = ["LABELS", *_names, *_formats]
