"""One page of a long list: the items and where they sit in the whole.

Every paged list (the people list, the verification queue, the reminder log, a record's
history, the JSON API) is cut by :func:`page_of` and returned as a :class:`Page`, so pages,
templates and the API speak of pages the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

T = TypeVar("T")

#: The highest page number accepted: far beyond any real list, far below database limits.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` of page ``page`` (from 1), ``per_page`` a page, of ``total`` in all."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one, so an empty list has page 1 of 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_of(session: Session, query: sa.Select[Any], *, page: int, per_page: int,
            item: Callable[[Any], T] | None = None, scalars: bool = False) -> Page[T]:
    """Page ``page`` of ``query`` (already ordered): two queries, a count and the page.

    Rows come as ``item(row)`` when given, else as the query's rows (its first column with
    ``scalars=True``).
    """
    total = session.scalar(sa.select(sa.func.count()).select_from(
        query.order_by(None).subquery())) or 0
    cut = query.limit(per_page).offset((page - 1) * per_page)
    rows: Sequence[Any] = (session.scalars(cut).all() if scalars
                           else session.execute(cut).all())
    return Page([item(row) for row in rows] if item else list(rows), total, page, per_page)
