"""Requirement frameworks: checking a file, loading it into the database, reading rules back.

Three concerns, each in its own module: :mod:`~cpd_tracker.frameworks.schema` reads and checks
a file (nothing touches the database), :mod:`~cpd_tracker.frameworks.loading` stores a checked
file as history (versions in force never change) and :mod:`~cpd_tracker.frameworks.read_back`
reads the stored versions back as the requirement sets the engine judges by. The names other
layers use are here, so ``frameworks.catalogue(...)`` reads the same wherever it is called.
"""

from __future__ import annotations

from cpd_tracker.engine.accreditation import AccreditationRules
from cpd_tracker.frameworks.loading import LoadReport, load, load_file, shipped
from cpd_tracker.frameworks.read_back import (
    RoleRequirements,
    VersionInForce,
    accountabilities_for,
    accreditation_dates,
    accreditation_rules,
    catalogue,
    categories_for,
    category_names,
    kinds_without_duration,
    requirement_sets,
    schemes_for,
    versions_of,
    vocabulary_for,
    word_names,
)
from cpd_tracker.frameworks.schema import FrameworkError, FrameworkInvalid, parse

__all__ = [
    "AccreditationRules", "FrameworkError", "FrameworkInvalid", "LoadReport",
    "RoleRequirements", "VersionInForce", "accountabilities_for", "accreditation_dates",
    "accreditation_rules", "catalogue", "categories_for", "category_names",
    "kinds_without_duration", "load", "load_file", "parse",
    "requirement_sets", "schemes_for", "shipped", "versions_of", "vocabulary_for", "word_names",
]
