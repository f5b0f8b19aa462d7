"""Request arguments are read alike by the pages, the JSON API and the leads' filters: a control
character anywhere (even at an end, where trimming would hide it) is a 400 naming the argument."""

from __future__ import annotations

from datetime import date

import pytest

from cpd_tracker.arguments import day, plain_text
from cpd_tracker.errors import Refused


@pytest.mark.parametrize("raw", ["o3O\t", "\to3O", "o3O\n", "o\x00", "o3O\x7f", " \r "])
def test_a_control_character_is_refused_before_trimming(raw: str) -> None:
    with pytest.raises(Refused) as refused:
        plain_text("role", raw, 64)
    assert refused.value.errors == {"role": "must not contain control characters"}


def test_text_is_trimmed_and_empty_is_none() -> None:
    assert plain_text("unit", "  Cardiff  ", 64) == "Cardiff"
    assert plain_text("unit", "   ", 64) is None
    assert plain_text("unit", None, 64) is None


def test_too_long_is_refused_unless_cut() -> None:
    with pytest.raises(Refused) as refused:
        plain_text("search", "x" * 11, 10)
    assert refused.value.errors == {"search": "must be at most 10 characters"}
    assert plain_text("search", "abcde fghij", 6, cut=True) == "abcde"


def test_a_day_is_iso_or_refused_by_name() -> None:
    assert day("due_before", "2026-12-31") == date(2026, 12, 31)
    assert day("due_before", "") is None
    assert day("due_before", None) is None
    for bad in ("31/12/2026", "2026-02-30", "2026-1-01", "tomorrow"):
        with pytest.raises(Refused) as refused:
            day("due_before", bad)
        assert refused.value.field == "due_before"
        assert "YYYY-MM-DD" in refused.value.message
    with pytest.raises(Refused):
        day("due_before", "2026-12-31\t")
