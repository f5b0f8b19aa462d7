"""The library's own Alembic environment: run it, and keep the host's autogenerate off our tables.

cpd-tracker keeps its migrations in the package (``cpd_tracker/migrations``) with its own version
table, ``cpd_tracker_alembic_version``, so the host's migration chain and ours never mix: a host
runs ``flask cpd db upgrade`` beside its own ``flask db upgrade``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cpd_tracker.models import metadata as cpd_metadata
from cpd_tracker.resources import resource_dir
from xapi import metadata as xapi_metadata

VERSION_TABLE = "cpd_tracker_alembic_version"
#: Tables belonging to cpd-tracker start with one of these.
TABLE_PREFIXES = ("cpd_", "xapi_")


def target_metadata() -> list[sa.MetaData]:
    """The metadata our migrations must match: the xAPI store's and the CPD domain's."""

    return [xapi_metadata, cpd_metadata]


def is_library_table(name: str | None) -> bool:
    """Whether a table belongs to cpd-tracker (its version table included)."""
    return bool(name) and name.startswith(TABLE_PREFIXES)


def _table_name(obj: Any, name: str | None, type_: str) -> str | None:
    return name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                   compare_to: Any) -> bool:
    """Alembic ``include_object`` hook for the *host's* ``env.py``: skip cpd-tracker's tables.

    Pass it to ``context.configure(include_object=include_object)`` so the host's autogenerate
    neither drops our tables nor copies them into the host's chain.
    """
    return not is_library_table(_table_name(obj, name, type_))


def include_only_library_objects(obj: Any, name: str | None, type_: str, reflected: bool,
                                 compare_to: Any) -> bool:
    """The opposite hook, for our own env.py: only cpd-tracker's model tables."""
    table_name = _table_name(obj, name, type_)
    return is_library_table(table_name) and table_name != VERSION_TABLE


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for our migrations; ``connection`` is where env.py runs them."""
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _connection(bind: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    if isinstance(bind, sa.Connection):
        yield bind
    else:
        with bind.begin() as connection:
            yield connection


def upgrade(bind: sa.Engine | sa.Connection, revision: str = "head") -> None:
    """Bring the library's tables up to ``revision`` (default: the newest)."""
    with _connection(bind) as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(bind: sa.Engine | sa.Connection, revision: str) -> None:
    """Take the library's tables back to ``revision`` (``base`` removes them all)."""
    with _connection(bind) as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(bind: sa.Engine | sa.Connection) -> str | None:
    """The revision the database is at, or ``None`` if the library was never installed."""
    with _connection(bind) as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision() -> str:
    """The newest revision shipped with this version of the library."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
