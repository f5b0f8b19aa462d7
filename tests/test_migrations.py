"""The library's migrations: they build exactly the tables the models describe, on SQLite and
PostgreSQL, in their own version table, and the host's autogenerate can be told to skip them."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cpd_tracker import include_object, migration


def test_models_and_migrations_agree(migrated_url: str) -> None:
    models = sa.MetaData()
    for metadata in migration.target_metadata():
        for table in metadata.tables.values():
            table.to_metadata(models)
    engine = sa.create_engine(migrated_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": migration.include_only_library_objects,
        })
        differences = compare_metadata(context, models)
    engine.dispose()
    assert differences == []


def test_version_is_kept_in_the_librarys_own_table(migrated_url: str) -> None:
    engine = sa.create_engine(migrated_url)
    tables = sa.inspect(engine).get_table_names()
    assert migration.VERSION_TABLE in tables
    assert "alembic_version" not in tables
    assert migration.current_revision(engine) == migration.head_revision()
    engine.dispose()


def test_every_library_table_is_prefixed(migrated_url: str) -> None:
    engine = sa.create_engine(migrated_url)
    ours = [name for name in sa.inspect(engine).get_table_names() if name != "demo_user"]
    engine.dispose()
    assert ours and all(name.startswith(("cpd_", "xapi_")) for name in ours)


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(
        database_url: str) -> None:
    engine = sa.create_engine(database_url)
    migration.upgrade(engine)
    migration.downgrade(engine, "base")
    left = [name for name in sa.inspect(engine).get_table_names()
            if migration.is_library_table(name) and name != migration.VERSION_TABLE]
    assert left == []
    assert migration.current_revision(engine) is None
    migration.upgrade(engine)
    assert migration.current_revision(engine) == migration.head_revision()
    engine.dispose()


def test_host_autogenerate_ignores_library_tables(migrated_url: str) -> None:
    """A host whose models know nothing of cpd_* tables must not be told to drop them."""
    host = sa.MetaData()
    sa.Table("host_course", host, sa.Column("id", sa.Integer, primary_key=True))
    engine = sa.create_engine(migrated_url)
    with engine.connect() as connection:
        def diffs(hook: object) -> list[object]:
            opts = {"include_object": hook} if hook else {}
            return compare_metadata(MigrationContext.configure(connection, opts=opts), host)

        without_helper = diffs(None)
        with_helper = diffs(include_object)
    engine.dispose()
    dropped = {diff[1].name for diff in without_helper if diff[0] == "remove_table"}
    assert {"cpd_activity", "xapi_statement"} <= dropped  # what would go wrong without it
    assert [diff for diff in with_helper if diff[0] == "remove_table"
            and diff[1].name != "demo_user"] == []
    assert ("add_table", "host_course") in {(d[0], d[1].name) for d in with_helper}


def test_include_object_keeps_host_tables_and_drops_ours() -> None:
    table = sa.Table("cpd_activity", sa.MetaData(), sa.Column("id", sa.Integer))
    assert include_object(table, "cpd_activity", "table", True, None) is False
    assert include_object(table, "xapi_statement", "table", True, None) is False
    assert include_object(table, migration.VERSION_TABLE, "table", True, None) is False
    assert include_object(table, "courses", "table", True, None) is True
    column = table.c.id
    assert include_object(column, "id", "column", True, None) is False


def test_a_developer_gets_the_next_revision_written_from_the_models(tmp_path: Path) -> None:
    """``scripts/migration "message"``: with models and migrations in step, the new revision
    is numbered next and changes nothing."""
    shutil.copytree(migration.resource_dir("migrations"), tmp_path / "migrations",
                    ignore=shutil.ignore_patterns("__pycache__"))
    head = migration.head_revision()

    written = migration.new_revision("nothing yet", script_location=tmp_path / "migrations")

    text = written.read_text(encoding="utf-8")
    number = f"{int(head) + 1:04d}"
    assert written.name == f"{number}_nothing_yet.py"
    assert f"revision: str = '{number}'" in text
    assert f"down_revision: str | Sequence[str] | None = '{head}'" in text
    upgrade = text[text.index("def upgrade() -> None:"):text.index("def downgrade() -> None:")]
    assert "op." not in upgrade and "pass" in upgrade
