"""Judging people in bulk: the aggregate that feeds the engine, the kept standings and the
nightly snapshots, and accreditations as they stand."""
