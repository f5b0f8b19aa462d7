"""The one wording of mistakes in what a person wrote (:mod:`cpd_tracker.problems`): Pydantic's
errors put in the writer's terms, and the same words for a framework file and the settings."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from cpd_tracker.config import ConfigError, apply_defaults, load
from cpd_tracker.frameworks import FrameworkInvalid, parse
from cpd_tracker.problems import Path, Problem, field_name, from_pydantic


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Hours(_Strict):
    type: Literal["hours"]
    hours: float = Field(gt=0, strict=True)


class Count(_Strict):
    type: Literal["count"]
    count: int = Field(ge=1, strict=True)


class Role(_Strict):
    code: str = Field(pattern=r"^[a-z]+$")
    rules: list[Annotated[Hours | Count, Field(discriminator="type")]]


class Settings(_Strict):
    model_config = ConfigDict(extra="forbid", alias_generator=lambda name: f"X_{name.upper()}")
    roles: list[Role] = []
    limit: int = Field(1, le=5, strict=True)


ROLES: TypeAdapter[list[Role]] = TypeAdapter(list[Role])


def problems(data: Any, schema: Any = Settings, **options: Any) -> list[Problem]:
    """The problems of ``data``, checked with ``schema`` (a model) or a validating function
    of a list of roles."""
    with pytest.raises(ValidationError) as invalid:
        (schema.model_validate if isinstance(schema, type) else schema)(data)
    return from_pydantic(invalid.value, data, schema if isinstance(schema, type) else list[Role],
                         **options)


def role(*rules: dict[str, Any], code: str = "analyst") -> dict[str, Any]:
    return {"code": code, "rules": list(rules)}


@pytest.mark.parametrize(("path", "name"), [
    ((), ""),
    (("versions",), "versions"),
    (("versions", 0, "roles", 1, "code"), "versions[0].roles[1].code"),
    (("CPD_XAPI_CREDIT_RULES", 0, "verbs"), "CPD_XAPI_CREDIT_RULES[0].verbs"),
])
def test_a_field_is_named_as_it_is_written(path: Path, name: str) -> None:
    assert field_name(path) == name
    assert Problem(path, "wrong").field == name


def test_a_problem_reads_as_its_field_then_what_is_wrong() -> None:
    assert str(Problem(("X_LIMIT",), "6: too many")) == "X_LIMIT: 6: too many"
    assert str(Problem((), "X_TOKENS['bi'] has no scopes")) == "X_TOKENS['bi'] has no scopes"


def test_an_unknown_key_is_named_with_the_keys_accepted_by_their_written_names() -> None:
    [problem] = problems({"X_LIMITS": 3})
    assert str(problem) == ("X_LIMITS: unknown key 'X_LIMITS'; the keys accepted here are: "
                            "X_ROLES, X_LIMIT")


def test_an_unknown_key_in_a_tagged_union_offers_only_the_keys_of_its_type() -> None:
    [problem] = problems({"X_ROLES": [role({"type": "count", "count": 2, "hours": 3})]})
    assert str(problem) == ("X_ROLES[0].rules[0].hours: unknown key 'hours'; the keys accepted "
                            "here are: type, count")


def test_a_missing_key_is_named_at_its_place() -> None:
    [problem] = problems({"X_ROLES": [{"rules": []}]})
    assert str(problem) == "X_ROLES[0].code: 'code' is required here"


def test_a_figure_out_of_range_quotes_the_value_and_the_limit() -> None:
    [problem] = problems({"X_ROLES": [role({"type": "hours", "hours": -5})]})
    assert str(problem) == "X_ROLES[0].rules[0].hours: -5: Input should be greater than 0"


def test_the_union_tags_pydantic_inserts_are_not_in_the_path() -> None:
    [problem] = problems({"X_ROLES": [role({"type": "count", "count": "two"})]})
    assert problem.path == ("X_ROLES", 0, "rules", 0, "count")


@pytest.mark.parametrize(("rule", "message"), [
    ({"type": "days", "hours": 3}, "'type' must be one of 'hours', 'count'"),
    ({"hours": 3}, "'type' is required here: one of 'hours', 'count'"),
])
def test_a_rule_of_no_known_type_is_told_the_types(rule: dict[str, Any], message: str) -> None:
    [problem] = problems({"X_ROLES": [role(rule)]})
    assert (problem.field, problem.message) == ("X_ROLES[0].rules[0].type", message)


def test_a_pattern_is_said_in_the_words_given_for_it() -> None:
    data = {"X_ROLES": [role(code="Analyst")]}
    [plain] = problems(data)
    [worded] = problems(data, patterns={r"^[a-z]+$": "a code is lower-case letters"})
    assert plain.message == "'Analyst': String should match pattern '^[a-z]+$'"
    assert worded.message == "'Analyst': a code is lower-case letters"


def test_a_block_where_a_mapping_belongs_is_not_told_a_class_name() -> None:
    [problem] = problems({"X_ROLES": ["analyst"]})
    assert problem.message == "'analyst': Input should be a valid dictionary"


def test_only_scalars_are_quoted_unless_the_caller_says_how() -> None:
    data = {"X_ROLES": {"code": "analyst"}}
    [unquoted] = problems(data)
    [quoted] = problems(data, quote=lambda path, value: f"<{len(value)} key(s)>")
    assert unquoted.message == "Input should be a valid list"
    assert quoted.message == "<1 key(s)>: Input should be a valid list"


def test_a_list_schema_is_read_like_a_model() -> None:
    data = [role(), {"code": "lead", "rules": [], "rule": []}]
    [problem] = problems(data, schema=ROLES.validate_python)
    assert str(problem) == ("[1].rule: unknown key 'rule'; the keys accepted here are: code, "
                            "rules")


# --- The same words for a framework file and the settings ------------------------------------

FILE = """\
framework: test
title: Test
versions:
  - version: "1"
    effective_from: 2024-04-01
    roles:
      - code: analyst
        name: Analyst
        cycle: {type: fixed, start: "04-01"}
        rules:
          - type: count
"""
FORWARD = {"endpoint": "https://lrs.force.police.uk/xapi/", "username": "cpd",
           "password": "s3cret"}


def framework_message(*rule_lines: str) -> str:
    """The one problem of a framework file whose only rule (a count) has ``rule_lines``."""
    text = FILE + "".join(f"            {line}\n" for line in rule_lines)
    with pytest.raises(FrameworkInvalid) as invalid:
        parse(text, categories=["formal"])
    [error] = invalid.value.errors
    return error.problem


def config_message(forward: dict[str, Any]) -> str:
    """The one problem of a configuration that forwards with ``forward``."""
    config: dict[str, Any] = {"CPD_LMS_HOME_PAGE": "https://lms/", "CPD_XAPI_FORWARD": forward}
    apply_defaults(config)
    with pytest.raises(ConfigError) as error:
        load(config)
    [problem] = error.value.problems
    return problem.message


WITHOUT_ENDPOINT = {"username": "cpd", "password": "s3cret"}


@pytest.mark.parametrize(("in_file", "in_config", "words"), [
    pytest.param(("count: 1", "minimum: 2"), {**FORWARD, "url": "x"},
                 r"^unknown key '\w+'; the keys accepted here are: \w+", id="unknown key"),
    pytest.param((), WITHOUT_ENDPOINT, r"^'\w+' is required here$", id="missing"),
    pytest.param(("count: 0",), {**FORWARD, "batch_size": 0},
                 r"^0: Input should be greater than or equal to 1$", id="out of range"),
    # A file's author sees the value on its line; a YAML true (or yes) is not quoted as True.
    pytest.param(("count: true",), {**FORWARD, "batch_size": True},
                 r"Input should be a valid integer$", id="True is not a number"),
    pytest.param(('count: "two"',), {**FORWARD, "batch_size": "two"},
                 r"^'two': Input should be a valid integer$", id="wrong type"),
])
def test_a_framework_file_and_the_settings_say_a_mistake_in_the_same_words(
        in_file: tuple[str, ...], in_config: dict[str, Any], words: str) -> None:
    assert re.search(words, framework_message(*in_file)), framework_message(*in_file)
    assert re.search(words, config_message(in_config)), config_message(in_config)
