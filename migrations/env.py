"""cpd-tracker's Alembic environment. Run through ``flask cpd db ...``, not the alembic command."""

from alembic import context

from cpd_tracker.migration import VERSION_TABLE, include_only_library_objects, target_metadata

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("Run cpd-tracker's migrations with `flask cpd db upgrade`.")

context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    version_table=VERSION_TABLE,
    include_object=include_only_library_objects,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
