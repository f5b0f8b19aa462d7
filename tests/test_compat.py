"""The 0.1 import paths keep working for one release, each with a DeprecationWarning.

``tests/fixtures/public_names_0_1.json`` lists every public name of every module of 0.1 (as
released, before the package was reorganised into layers): each must still be importable from
its old path, and resolve to the object that lives at its new one.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import warnings
from pathlib import Path

import pytest

import cpd_tracker
from cpd_tracker import _compat
from cpd_tracker.errors import Refused
from cpd_tracker.paging import Page

OLD = json.loads((Path(__file__).parent / "fixtures" / "public_names_0_1.json").read_text())
CASES = [(module, name) for module, names in sorted(OLD.items()) for name in names]


@pytest.mark.parametrize(("module", "name"), CASES, ids=[f"{m}.{n}" for m, n in CASES])
def test_every_public_name_of_0_1_is_importable_from_its_old_path(module: str,
                                                                  name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        found = getattr(importlib.import_module(module), name)
    assert found is not None


def test_an_old_module_path_warns_that_it_moved_and_where_to() -> None:
    with pytest.warns(DeprecationWarning, match=r"cpd_tracker\.activities is now "
                                                r"cpd_tracker\.services\.activities"):
        importlib.reload(importlib.import_module("cpd_tracker.activities"))


def test_a_name_from_an_old_path_warns_with_its_new_home() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        importlib.import_module("cpd_tracker.learners")  # the module's own warning, apart
    with pytest.warns(DeprecationWarning, match=r"cpd_tracker\.learners\.assign_role is now "
                                                r"cpd_tracker\.record\.learners\.assign_role"):
        from cpd_tracker.learners import assign_role
    from cpd_tracker.record.learners import assign_role as now
    assert assign_role is now


def test_the_old_refusal_classes_are_the_one_refusal_now() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from cpd_tracker.activities import ActivityRejected
        from cpd_tracker.storage import EvidenceRejected
    assert ActivityRejected is Refused and EvidenceRejected is Refused


def test_the_old_page_classes_are_the_one_page_now() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from cpd_tracker.people import PeoplePage
    assert PeoplePage is Page


def test_a_name_0_1_never_had_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        importlib.import_module("cpd_tracker.activities").no_such_name  # noqa: B018


def test_the_new_paths_never_go_through_the_old_ones() -> None:
    """Nothing in the package itself imports an old path (that would warn on every import)."""
    stand_ins = {old for old in _compat.HOMES if importlib.util.find_spec(old) is None
                 or isinstance(importlib.util.find_spec(old).loader, _compat._OldPaths)}
    for path in Path(cpd_tracker.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                named = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            elif isinstance(node, ast.Import):
                named = {alias.name for alias in node.names}
            else:
                continue
            assert not named & stand_ins, f"{path} imports {named & stand_ins}"
