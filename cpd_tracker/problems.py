"""Mistakes in what a person wrote, in one wording: a framework file, or the host's settings.

Both are checked by Pydantic models, whose own messages name Python types and model classes and
point at places (``rules.1.hours.hours``) that are not in what the person wrote. This module turns
them into problems they can act on: the field as a path through what they wrote
(``versions[0].roles[1].rules[2].hours``, ``CPD_XAPI_CREDIT_RULES[0].verbs``), the value, and what
would be accepted. One wording for both, so whoever has fixed a framework file can read a
configuration error, and a change of wording is made once.

A core module: it knows Pydantic, not the library.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

#: Where a value is in what the person wrote: keys and list positions, outermost first.
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One mistake: where it is (``path``) and what is wrong, in words to act on."""

    path: Path
    message: str

    @property
    def field(self) -> str:
        """The path as it is written in messages: ``versions[0].roles[1].code``."""
        return field_name(self.path)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.path else self.message


def field_name(path: Path) -> str:
    """``("versions", 0, "roles")`` -> ``"versions[0].roles"``."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def is_scalar(value: Any) -> bool:
    """A value worth quoting in a message: a word, a number or a date (not a block of them)."""
    return isinstance(value, str | int | float | date) and not isinstance(value, bool)


# --- The words -----------------------------------------------------------------------------------


def unknown_key(key: Any, accepted: Collection[str]) -> str:
    """A key the schema does not read, with the keys it does read there: a misspelt key
    silently ignored is a setting the writer believes they have."""
    return f"unknown key {key!r}" + (
        f"; the keys accepted here are: {', '.join(accepted)}" if accepted else "")


def required(key: Any) -> str:
    """A key that must be given (named at its parent, the place it belongs)."""
    return f"{key!r} is required here"


def repeated(value: Any, what: str) -> str:
    """A value given twice where each must be unique (a code, a version label)."""
    return f"{value!r} is given more than once; each {what} must be unique here"


def not_one_of(value: Any, what: str, accepted: Collection[str], *,
               when_none: str = "none are declared") -> str:
    """A value that must be one of a list the person (or the force) declared elsewhere."""
    return f"{value!r} is not one of {what}: " + (", ".join(sorted(accepted)) or when_none)


# --- Pydantic's errors in the writer's terms ---------------------------------------------------


#: How a value is quoted at the start of a message (``None``: it is not quoted).
Quote = Callable[[Path, Any], str | None]


def from_pydantic(invalid: ValidationError, data: Any, schema: Any, *,
                  patterns: Mapping[str, str] | None = None,
                  quote: Quote | None = None) -> list[Problem]:
    """Every error of ``invalid`` (raised checking ``data`` against ``schema``, a model class
    or an annotation such as ``list[Model]``) as a :class:`Problem`.

    ``patterns`` gives the words for a string pattern (what a code looks like), which Pydantic
    can only quote as a regular expression. ``quote(path, value)`` writes the value a message
    starts with; by default only scalars are quoted (a file's reader has the line for the rest),
    and a caller that has no lines quotes more, keeping secrets out.
    """
    return [_problem(error, data, schema, patterns or {}, quote or quote_scalar)
            for error in invalid.errors()]


def quote_scalar(path: Path, value: Any) -> str | None:
    """A scalar's ``repr``; nothing for a list or mapping (its line says where it is)."""
    return repr(value) if is_scalar(value) else None


def _problem(error: ErrorDetails, data: Any, schema: Any, patterns: Mapping[str, str],
             quote: Quote) -> Problem:
    kind = error["type"]
    path = _data_path(tuple(error["loc"]), data)
    message = error["msg"]
    if kind == "extra_forbidden":
        message = unknown_key(path[-1], _accepted_keys(schema, path[:-1], data))
    elif kind == "missing":
        message = required(path[-1])
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = error.get("ctx", {}).get("expected_tags") or _tags_at(schema, path, data)
        message = (f"'type' must be one of {tags}" if kind == "union_tag_invalid"
                   else f"'type' is required here: one of {tags}")
        path = (*path, "type")
    elif kind == "string_pattern_mismatch":
        message = patterns.get(error.get("ctx", {}).get("pattern", ""), message)
    elif kind == "model_type":
        # "... or instance of RoleSpec": a class name is nothing a writer can act on.
        message = message.split(" or instance of ")[0]
    elif kind.startswith("value_error"):
        message = message.removeprefix("Value error, ")
    # A custom check says the value in its own words; an unknown or missing key has none.
    if kind not in ("extra_forbidden", "missing") and not kind.startswith("value_error"):
        quoted = quote(path, error.get("input"))
        if quoted is not None:
            message = f"{quoted}: {message}"
    return Problem(path, message)


def _data_path(loc: Path, data: Any) -> Path:
    """Pydantic's location with the union tags it inserts (``...rules[1].hours.hours``) removed."""
    path: list[str | int] = []
    current = data
    arrived = True
    for part in loc:
        if arrived and isinstance(current, Mapping) and part == current.get("type"):
            arrived = False  # the discriminator Pydantic puts first inside a tagged union
        elif _has(current, part):
            current = current[part]
            path.append(part)
            arrived = True
        elif isinstance(current, Mapping) and part == loc[-1]:
            path.append(part)  # a missing or unknown key: name it
        # else: a union tag or a type name Pydantic added; it is not in the file
    return tuple(path)


def _has(container: Any, part: str | int) -> bool:
    if isinstance(container, Mapping):
        return part in container
    return (isinstance(container, list | tuple) and isinstance(part, int)
            and 0 <= part < len(container))


def _accepted_keys(schema: Any, path: Path, data: Any) -> list[str]:
    """The keys the schema accepts at ``path`` (for "unknown key" messages)."""
    model = _model_for(_annotation_at(schema, path, data), _value_at(data, path))
    return list(_fields(model)) if model is not None else []


def _tags_at(schema: Any, path: Path, data: Any) -> str:
    """The ``type`` values a tagged union at ``path`` accepts: ``'hours', 'count', 'item'``."""
    tags = [typing.get_args(member.model_fields["type"].annotation)[0]
            for member in _flatten(_annotation_at(schema, path, data))
            if isinstance(member, type) and issubclass(member, BaseModel)
            and "type" in member.model_fields]
    return ", ".join(f"'{tag}'" for tag in tags)


def _annotation_at(schema: Any, path: Path, data: Any) -> Any:
    """The annotation the schema gives the value at ``path`` (``None`` if it gives none)."""
    annotation = schema
    current = data
    for part in path:
        if isinstance(part, str):
            field = _fields(_model_for(annotation, current)).get(part)
            if field is None:
                return None
            annotation = field.annotation
        current = current[part] if _has(current, part) else None
    return annotation


def _value_at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part] if _has(data, part) else None
    return data


def _fields(model: Any) -> dict[str, Any]:
    """A model's fields by the key written for them (an alias, such as ``CPD_TIMEZONE``)."""
    if model is None:
        return {}
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _model_for(annotation: Any, value: Any) -> Any:
    """The model class an annotation stands for, given the value (for unions, by its type)."""
    for candidate in _flatten(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            tag = candidate.model_fields.get("type")
            if tag is None or not isinstance(value, Mapping) or value.get(
                    "type") in typing.get_args(tag.annotation):
                return candidate
    return None


def _flatten(annotation: Any) -> Iterator[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        yield from _flatten(typing.get_args(annotation)[0])
    elif origin in (list, tuple, typing.Union, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _flatten(argument)
    else:
        yield annotation
