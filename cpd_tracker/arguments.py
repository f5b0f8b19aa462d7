"""Reading one argument of a request (a query string's, a form's, a command's) the same way
everywhere: the pages, the JSON API and the leads' filters.

A control character anywhere in a value is refused *before* the value is trimmed, so
``role=o3O%09`` is a 400 naming ``role`` and never quietly read as ``o3O``; PostgreSQL refuses
NUL in text, and nobody types a tab or a line break into a filter on purpose.
"""

from __future__ import annotations

import re
from datetime import date

from cpd_tracker.errors import Refused


def plain_text(field: str, raw: str | None, longest: int, *, cut: bool = False) -> str | None:
    """``raw`` trimmed, or ``None`` if empty; :class:`Refused` naming ``field`` if it holds a
    control character, or is longer than ``longest`` (unless ``cut``: then it is cut short,
    as a search box does)."""

    if raw is None:
        return None
    if any(ord(character) < 32 or ord(character) == 127 for character in raw):
        raise Refused("must not contain control characters", field=field)
    value = raw.strip()
    if len(value) > longest:
        if not cut:
            raise Refused(f"must be at most {longest} characters", field=field)
        value = value[:longest].strip()
    return value or None


def day(field: str, raw: str | None) -> date | None:
    """A ``YYYY-MM-DD`` argument as a date (``None`` if not given), or :class:`Refused`."""

    value = plain_text(field, raw, 100, cut=True)
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise Refused(f"{value[:20]!r} is not a date; write YYYY-MM-DD", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Refused(f"{value!r} is not a date; write YYYY-MM-DD", field=field) from None
