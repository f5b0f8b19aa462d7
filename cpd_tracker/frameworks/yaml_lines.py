"""YAML read with the line each value is on, so a mistake can be reported where it is.

PyYAML's ``safe_load`` forgets where values came from; this reader keeps the line of every key
and list item by its path (``("versions", 0, "roles")``), and refuses what ``safe_load`` lets
through silently (a key given twice, a list as a key, a date that does not exist).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from cpd_tracker.frameworks.errors import FrameworkError, FrameworkInvalid
from cpd_tracker.problems import Path, field_name

#: The line (from 1) of each path in the file.
Lines = dict[Path, int]


def read_yaml(text: str, source: str) -> tuple[Any, Lines]:
    """The file's value and the line of each path in it; :class:`FrameworkInvalid` if it is
    not YAML (with the line where the broken construct began) or is empty."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FrameworkInvalid(source, [FrameworkError(None, "", "the file is empty")])
        lines: Lines = {}
        return _value(loader, node, (), lines, source), lines
    except yaml.MarkedYAMLError as broken:
        # Report where the construct began (an unclosed bracket), not where YAML gave up.
        flow = (broken.context or "").startswith("while parsing a flow")
        mark = (broken.context_mark if flow else None) or broken.problem_mark
        line = mark.line + 1 if mark else None
        problem = f"this is not valid YAML: {broken.context or ''} {broken.problem or ''}".strip()
        if flow and broken.context_mark and broken.problem_mark and (
                broken.problem_mark.line != broken.context_mark.line):
            problem += f" (noticed on line {broken.problem_mark.line + 1})"
        raise FrameworkInvalid(source, [FrameworkError(line, "", problem)]) from None
    finally:
        loader.dispose()


def line_of(path: Path, lines: Lines) -> int | None:
    """The line of ``path``, or of its nearest parent in the file (a missing key's mapping)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _value(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: Lines,
           source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        own = {id(key_node) for key_node, _ in node.value}
        loader.flatten_mapping(node)  # YAML merge keys (``<<: *shared``); own keys override
        mapping: dict[Any, Any] = {}
        written: set[Any] = set()
        for key_node, value_node in node.value:
            key = _scalar(loader, key_node, source)
            if not isinstance(key, str | int | bool | date):
                raise FrameworkInvalid(source, [FrameworkError(
                    key_node.start_mark.line + 1, field_name(path),
                    "a key must be a plain word, like 'hours'")])
            if id(key_node) in own:
                if key in written:
                    raise FrameworkInvalid(source, [FrameworkError(
                        key_node.start_mark.line + 1, field_name((*path, key)),
                        f"the key {key!r} appears twice here; give it once")])
                written.add(key)
            mapping[key] = _value(loader, value_node, (*path, key), lines, source)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return mapping
    if isinstance(node, yaml.SequenceNode):
        return [_value(loader, item, (*path, index), lines, source)
                for index, item in enumerate(node.value)]
    return _scalar(loader, node, source, path)


def _scalar(loader: yaml.SafeLoader, node: yaml.Node, source: str, path: Path = ()) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return None  # a list or mapping used as a key: refused by the caller
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # PyYAML reads 2024-02-30 as a date and fails; say which value on which line.
        raise FrameworkInvalid(source, [FrameworkError(
            node.start_mark.line + 1, field_name(path),
            f"{node.value!r} is not a date that exists (write YYYY-MM-DD)")]) from None
