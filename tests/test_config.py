"""The ``CPD_*`` configuration: defaults a host may leave unset, and a refusal at start-up that
names the key for every value that cannot work."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cpd_tracker.config import DEFAULTS, ConfigError, apply_defaults, callable_setting, load
from cpd_tracker.config.spec import ConfigSpec

HOME_PAGE = "https://learning.force.police.uk/"


def host_config(**values: Any) -> dict[str, Any]:
    """A host's config: its home page and ``values`` set, everything else defaulted."""
    config: dict[str, Any] = {"CPD_LMS_HOME_PAGE": HOME_PAGE, **values}
    apply_defaults(config)
    return config


def allow(user: Any, action: str, learner: Any) -> bool:
    return True


# Defaults


def test_apply_defaults_fills_every_key_the_host_left_unset() -> None:
    config: dict[str, Any] = {}
    apply_defaults(config)
    assert config == DEFAULTS


def test_apply_defaults_keeps_the_values_the_host_set() -> None:
    config: dict[str, Any] = {"CPD_URL_PREFIX": "/learning/cpd", "CPD_MAX_HOURS_PER_DAY": 12,
                              "CPD_CATEGORIES": [("formal", "Formal")]}
    apply_defaults(config)
    assert config["CPD_URL_PREFIX"] == "/learning/cpd"
    assert config["CPD_MAX_HOURS_PER_DAY"] == 12
    assert config["CPD_CATEGORIES"] == [("formal", "Formal")]
    assert config["CPD_TIMEZONE"] == DEFAULTS["CPD_TIMEZONE"]


def test_apply_defaults_leaves_other_extensions_keys_alone() -> None:
    config: dict[str, Any] = {"SECRET_KEY": "s3cret", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    apply_defaults(config)
    assert config["SECRET_KEY"] == "s3cret"
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_apply_defaults_gives_each_config_its_own_category_list(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(DEFAULTS, "CPD_CATEGORIES", list(DEFAULTS["CPD_CATEGORIES"]))
    original = list(DEFAULTS["CPD_CATEGORIES"])
    first: dict[str, Any] = {}
    apply_defaults(first)
    first["CPD_CATEGORIES"].append(("firearms", "Firearms requalification"))

    second: dict[str, Any] = {}
    apply_defaults(second)

    assert second["CPD_CATEGORIES"] == original


def test_the_defaults_with_a_home_page_are_a_working_configuration() -> None:
    settings = load(host_config())
    assert settings.url_prefix == "/cpd"
    assert settings.base_template == "cpd_tracker/base.html"
    assert settings.lms_home_page == HOME_PAGE
    assert settings.actor_identity == "account"
    assert settings.statement_namespace == uuid.UUID(DEFAULTS["CPD_STATEMENT_NAMESPACE"])
    assert settings.timezone == ZoneInfo("Europe/London")
    assert settings.cycle_start == (4, 1)
    assert [code for code, _ in settings.categories] == [
        "formal", "work-based", "self-directed", "professional", "other"]
    assert settings.max_minutes_per_day == 24 * 60


# Values that are read and converted


@pytest.mark.parametrize(("prefix", "expected"), [
    ("/cpd", "/cpd"),
    ("/learning/cpd/", "/learning/cpd"),
    ("/", "/"),
])
def test_url_prefix_is_kept_without_a_trailing_slash(prefix: str, expected: str) -> None:
    assert load(host_config(CPD_URL_PREFIX=prefix)).url_prefix == expected


def test_mbox_is_an_accepted_actor_identity() -> None:
    assert load(host_config(CPD_ACTOR_IDENTITY="mbox")).actor_identity == "mbox"


def test_cycle_start_is_read_as_month_and_day() -> None:
    assert load(host_config(CPD_CYCLE_START="09-01")).cycle_start == (9, 1)


def test_timezone_is_read_as_an_iana_zone() -> None:
    assert load(host_config(CPD_TIMEZONE="Europe/Belfast")).timezone == ZoneInfo("Europe/Belfast")


def test_statement_namespace_may_be_given_as_a_uuid() -> None:
    namespace = uuid.uuid4()
    assert load(host_config(CPD_STATEMENT_NAMESPACE=namespace)).statement_namespace == namespace


def test_categories_may_be_given_as_lists_and_become_code_label_pairs() -> None:
    settings = load(host_config(CPD_CATEGORIES=[["formal", "Formal"], ("other", "Other")]))
    assert settings.categories == (("formal", "Formal"), ("other", "Other"))


def test_a_category_label_is_looked_up_by_code_and_falls_back_to_the_code() -> None:
    settings = load(host_config(CPD_CATEGORIES=[("formal", "Formal learning")]))
    assert settings.category_label("formal") == "Formal learning"
    assert settings.category_label("retired-code") == "retired-code"


@pytest.mark.parametrize("hours", [1, 7, 24])
def test_max_hours_per_day_is_kept_in_minutes(hours: int) -> None:
    assert load(host_config(CPD_MAX_HOURS_PER_DAY=hours)).max_minutes_per_day == hours * 60


# Refusals


def test_config_error_is_a_runtime_error() -> None:
    assert issubclass(ConfigError, RuntimeError)


def test_an_unknown_cpd_key_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="CPD_URL_PREFX: unknown key 'CPD_URL_PREFX'; the keys "
                                          "accepted here are: ") as error:
        load(host_config(CPD_URL_PREFX="/learning/cpd"))
    assert "CPD_URL_PREFIX" in str(error.value)  # and the keys that do exist are listed


def test_keys_without_the_cpd_prefix_are_not_checked() -> None:
    load(host_config(SECRET_KEY="s3cret", CPDX_SETTING=1, WTF_CSRF_ENABLED=False))


def test_a_home_page_is_required() -> None:
    config: dict[str, Any] = {}
    apply_defaults(config)
    with pytest.raises(ConfigError, match="CPD_LMS_HOME_PAGE: None is not your LMS's address; "
                                          "set it to one such as 'https://"):
        load(config)


BAD_VALUES = [
    ("CPD_LMS_HOME_PAGE", None),
    ("CPD_LMS_HOME_PAGE", ""),
    ("CPD_LMS_HOME_PAGE", "learning.force.police.uk"),
    ("CPD_LMS_HOME_PAGE", "ftp://learning.force.police.uk/"),
    ("CPD_LMS_HOME_PAGE", 42),
    ("CPD_URL_PREFIX", "cpd"),
    ("CPD_URL_PREFIX", ""),
    ("CPD_URL_PREFIX", None),
    ("CPD_ACTOR_IDENTITY", "openid"),
    ("CPD_ACTOR_IDENTITY", "Account"),
    ("CPD_ACTOR_IDENTITY", None),
    ("CPD_STATEMENT_NAMESPACE", "not-a-uuid"),
    ("CPD_TIMEZONE", "Europe/Londres"),
    ("CPD_TIMEZONE", "Europe"),
    ("CPD_TIMEZONE", ""),
    ("CPD_TIMEZONE", "../../etc/passwd"),
    ("CPD_CYCLE_START", "13-01"),
    ("CPD_CYCLE_START", "02-29"),
    ("CPD_CYCLE_START", "04-31"),
    ("CPD_CYCLE_START", "april"),
    ("CPD_CYCLE_START", "04-01-2025"),
    ("CPD_CYCLE_START", ""),
    ("CPD_CATEGORIES", []),
    ("CPD_CATEGORIES", [("formal", "Formal"), ("formal", "Formal again")]),
    ("CPD_CATEGORIES", ["formal", "other"]),
    ("CPD_CATEGORIES", [("formal",)]),
    ("CPD_CATEGORIES", [("formal", "Formal", "extra")]),
    ("CPD_CATEGORIES", [(None, "Formal")]),  # would have become the code 'None'
    ("CPD_CATEGORIES", [(1, 2)]),
    ("CPD_CATEGORIES", [("", "Formal")]),
    ("CPD_CATEGORIES", [("Formal Learning", "Formal")]),
    ("CPD_CATEGORIES", [("formal", "  ")]),
    ("CPD_CATEGORIES", None),
    ("CPD_CATEGORIES", 42),
    ("CPD_MAX_HOURS_PER_DAY", 0),
    ("CPD_MAX_HOURS_PER_DAY", 25),
    ("CPD_MAX_HOURS_PER_DAY", -1),
    ("CPD_MAX_HOURS_PER_DAY", True),
    ("CPD_MAX_HOURS_PER_DAY", "24"),
    ("CPD_MAX_HOURS_PER_DAY", 7.5),
    ("CPD_MAX_HOURS_PER_DAY", None),
    ("CPD_BASE_TEMPLATE", 5),
    ("CPD_BASE_TEMPLATE", ""),
    ("CPD_STATEMENT_NAMESPACE", 5),
    ("CPD_XAPI_URL_PREFIX", "xapi"),
    ("CPD_XAPI_URL_PREFIX", 5),
    ("CPD_XAPI_CREDIT_RULES", None),
    ("CPD_XAPI_FORWARD", "https://lrs.force.police.uk/xapi/"),
    ("CPD_EVIDENCE_MAX_BYTES", 0),
    ("CPD_EVIDENCE_MAX_BYTES", True),
    ("CPD_EVIDENCE_MAX_BYTES", "20MB"),
    ("CPD_EVIDENCE_TYPES", []),
    ("CPD_EVIDENCE_TYPES", ["text/plain"]),
    ("CPD_EVIDENCE_TYPES", "application/pdf"),
    ("CPD_REMINDER_TIME", "7am"),
    ("CPD_REMINDER_TIME", "24:00"),
    ("CPD_REMINDER_TIME", 7),
    ("CPD_REMINDER_CATCH_UP_DAYS", 31),
    ("CPD_REMINDER_CATCH_UP_DAYS", -1),
    ("CPD_REMINDER_CATCH_UP_DAYS", True),
    ("CPD_DIGEST_DAY", "funday"),
    ("CPD_CLOCK", "now"),
]


@pytest.mark.parametrize(("key", "value"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_its_key(key: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=key):
        load(host_config(**{key: value}))


@pytest.mark.parametrize(("key", "value", "shown"), [
    ("CPD_LMS_HOME_PAGE", "learning.force.police.uk", "'learning.force.police.uk'"),
    ("CPD_URL_PREFIX", "cpd", "'cpd'"),
    ("CPD_ACTOR_IDENTITY", "openid", "'openid'"),
    ("CPD_TIMEZONE", "Europe/Londres", "'Europe/Londres'"),
    ("CPD_CYCLE_START", "13-01", "'13-01'"),
    ("CPD_MAX_HOURS_PER_DAY", "24", "'24'"),
    ("CPD_MAX_HOURS_PER_DAY", True, "True"),
])
def test_a_refusal_quotes_the_value_it_was_given(key: str, value: Any, shown: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(host_config(**{key: value}))
    assert str(error.value).startswith(f"{key}: {shown}")


def test_a_repeated_category_code_is_named() -> None:
    with pytest.raises(ConfigError, match="CPD_CATEGORIES: 'formal' is given more than once; each "
                                          "code must be unique here"):
        load(host_config(CPD_CATEGORIES=[("formal", "Formal"), ("formal", "Formal again")]))


def test_an_empty_category_list_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"CPD_CATEGORIES: \[\]: List should have at least 1 "
                                          "item"):
        load(host_config(CPD_CATEGORIES=[]))


def test_a_list_of_two_letter_codes_without_labels_is_refused() -> None:
    with pytest.raises(ConfigError, match="CPD_CATEGORIES"):
        load(host_config(CPD_CATEGORIES=["PD", "CR"]))


# The words of a refusal: the same as a framework file's


def refusal(**values: Any) -> ConfigError:
    with pytest.raises(ConfigError) as error:
        load(host_config(**values))
    return error.value


FORWARD = {"endpoint": "https://lrs.force.police.uk/xapi/", "username": "cpd",
           "password": "s3cret"}
RULE = {"clients": ["force-lms"], "verbs": ["http://adlnet.gov/expapi/verbs/completed"],
        "activity_types": ["http://adlnet.gov/expapi/activities/course"], "category": "formal"}


def test_the_schema_reads_exactly_the_keys_that_have_defaults() -> None:
    assert [field.alias for field in ConfigSpec.model_fields.values()] == list(DEFAULTS)


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"CPD_XAPI_FORWARD": {**FORWARD, "url": "https://lrs/"}},
                 "CPD_XAPI_FORWARD.url: unknown key 'url'; the keys accepted here are: name, "
                 "endpoint, username, password, timeout, batch_size, statements, every_seconds",
                 id="in forwarding"),
    pytest.param({"CPD_XAPI_CREDIT_RULES": [{**RULE, "verb": "completed"}]},
                 "CPD_XAPI_CREDIT_RULES[0].verb: unknown key 'verb'; the keys accepted here are: "
                 "clients, verbs, activity_types, activities, category, duration_extension, "
                 "default_minutes, kind, item, participatory, verified", id="in a credit rule"),
])
def test_an_unknown_key_is_named_with_the_keys_accepted_there(values: dict[str, Any],
                                                               message: str) -> None:
    assert str(refusal(**values)) == message


def test_an_unknown_cpd_key_is_named_with_every_key_cpd_tracker_reads() -> None:
    assert str(refusal(CPD_TIMEZONES="Europe/London")) == (
        "CPD_TIMEZONES: unknown key 'CPD_TIMEZONES'; the keys accepted here are: "
        + ", ".join(DEFAULTS))


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"CPD_MAX_HOURS_PER_DAY": True},
                 "CPD_MAX_HOURS_PER_DAY: True: Input should be a valid integer", id="True hours"),
    pytest.param({"CPD_MAX_HOURS_PER_DAY": "24"},
                 "CPD_MAX_HOURS_PER_DAY: '24': Input should be a valid integer", id="text hours"),
    pytest.param({"CPD_EVIDENCE_MAX_BYTES": 20.5},
                 "CPD_EVIDENCE_MAX_BYTES: 20.5: Input should be a valid integer", id="bytes"),
    pytest.param({"CPD_XAPI_FORWARD": {**FORWARD, "timeout": "10"}},
                 "CPD_XAPI_FORWARD.timeout: '10': Input should be a valid number", id="timeout"),
    pytest.param({"CPD_XAPI_CREDIT_RULES": [{**RULE, "participatory": "yes"}]},
                 "CPD_XAPI_CREDIT_RULES[0].participatory: 'yes': Input should be a valid boolean",
                 id="a rule's flag"),
    pytest.param({"CPD_XAPI_CREDIT_RULES": RULE},
                 f"CPD_XAPI_CREDIT_RULES: {RULE!r}: Input should be a valid list",
                 id="one rule, not a list"),
    pytest.param({"CPD_XAPI_FORWARD": ["https://lrs/"]},
                 "CPD_XAPI_FORWARD: ['https://lrs/']: Input should be a valid dictionary",
                 id="forwarding, not a dict"),
    pytest.param({"CPD_ACTOR_IDENTITY": "email"},
                 "CPD_ACTOR_IDENTITY: 'email': Input should be 'account' or 'mbox'",
                 id="not a choice"),
])
def test_a_value_of_the_wrong_type_is_quoted_with_the_type_accepted(values: dict[str, Any],
                                                                     message: str) -> None:
    assert str(refusal(**values)) == message


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"CPD_MAX_HOURS_PER_DAY": 25},
                 "CPD_MAX_HOURS_PER_DAY: 25: Input should be less than or equal to 24",
                 id="hours above 24"),
    pytest.param({"CPD_MAX_HOURS_PER_DAY": 0},
                 "CPD_MAX_HOURS_PER_DAY: 0: Input should be greater than or equal to 1",
                 id="no hours"),
    pytest.param({"CPD_REMINDER_CATCH_UP_DAYS": 31},
                 "CPD_REMINDER_CATCH_UP_DAYS: 31: Input should be less than or equal to 30",
                 id="catch-up days"),
    pytest.param({"CPD_XAPI_FORWARD": {**FORWARD, "every_seconds": 1}},
                 "CPD_XAPI_FORWARD.every_seconds: 1: Input should be greater than or equal to 5",
                 id="forwarding every second"),
    pytest.param({"CPD_XAPI_CREDIT_RULES": [{**RULE, "default_minutes": 1441}]},
                 "CPD_XAPI_CREDIT_RULES[0].default_minutes: 1441: Input should be less than or "
                 "equal to 1440", id="more than a day"),
])
def test_a_figure_out_of_range_is_quoted_with_the_limit(values: dict[str, Any],
                                                        message: str) -> None:
    assert str(refusal(**values)) == message


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"CPD_XAPI_FORWARD": {"username": "cpd", "password": "s3cret"}},
                 "CPD_XAPI_FORWARD.endpoint: 'endpoint' is required here", id="endpoint"),
    pytest.param({"CPD_XAPI_CREDIT_RULES": [{k: v for k, v in RULE.items() if k != "verbs"}]},
                 "CPD_XAPI_CREDIT_RULES[0].verbs: 'verbs' is required here", id="verbs"),
    pytest.param({"CPD_XAPI_CREDIT_RULES": [{k: v for k, v in RULE.items()
                                             if k != "category"}]},
                 "CPD_XAPI_CREDIT_RULES[0].category: 'category' is required here", id="category"),
])
def test_a_missing_required_field_is_named(values: dict[str, Any], message: str) -> None:
    assert str(refusal(**values)) == message


@pytest.mark.parametrize(("values", "message"), [
    pytest.param({"CPD_XAPI_CREDIT_RULES": [{**RULE, "category": "training"}]},
                 "CPD_XAPI_CREDIT_RULES[0].category: 'training' is not one of the force's "
                 "categories (CPD_CATEGORIES): formal, other, professional, self-directed, "
                 "work-based", id="a rule's category"),
    pytest.param({"CPD_EVIDENCE_TYPES": ["application/pdf", "text/plain"]},
                 "CPD_EVIDENCE_TYPES[1]: 'text/plain' is not one of the types cpd-tracker can "
                 "recognise from a file's content: application/pdf, ", id="evidence type"),
    pytest.param({"CPD_CATEGORIES": [("formal", "Formal"), ("formal", "Formal again")]},
                 "CPD_CATEGORIES: 'formal' is given more than once; each code must be unique "
                 "here", id="a category twice"),
    pytest.param({"CPD_CYCLE_START": "02-29"},
                 "CPD_CYCLE_START: '02-29' is not accepted: 29 February does not come every "
                 "year", id="29 February"),
])
def test_a_value_that_is_not_one_of_those_declared_is_named_with_them(values: dict[str, Any],
                                                                      message: str) -> None:
    assert str(refusal(**values)).startswith(message)


def test_several_mistakes_are_reported_at_once_in_the_order_of_the_keys() -> None:
    error = refusal(CPD_XAPI_CREDIT_RULES=[{**RULE, "verbs": ["completed"], "category": "x"}],
                    CPD_MAX_HOURS_PER_DAY=25, CPD_TIMEZONE="Europe/Londres")

    assert [problem.field for problem in error.problems] == [
        "CPD_TIMEZONE", "CPD_MAX_HOURS_PER_DAY", "CPD_XAPI_CREDIT_RULES[0].verbs[0]",
        "CPD_XAPI_CREDIT_RULES[0].category"]
    assert str(error) == "\n".join([
        "The CPD_* configuration has 4 problems:",
        "  CPD_TIMEZONE: 'Europe/Londres' is not an IANA time zone, such as 'Europe/London'",
        "  CPD_MAX_HOURS_PER_DAY: 25: Input should be less than or equal to 24",
        "  CPD_XAPI_CREDIT_RULES[0].verbs[0]: 'completed' is not an absolute IRI (such as "
        "'http://adlnet.gov/expapi/activities/course')",
        "  CPD_XAPI_CREDIT_RULES[0].category: 'x' is not one of the force's categories "
        "(CPD_CATEGORIES): formal, other, professional, self-directed, work-based",
    ])


def test_a_rule_without_activity_types_or_activities_is_refused_even_if_given_as_none() -> None:
    error = refusal(CPD_XAPI_CREDIT_RULES=[{**RULE, "activity_types": None}])
    assert str(error).startswith("CPD_XAPI_CREDIT_RULES[0]: give activity_types")


@pytest.mark.parametrize("values", [
    pytest.param({"CPD_XAPI_FORWARD": {**FORWARD, "password": 12345678}}, id="a number"),
    pytest.param({"CPD_XAPI_CREDIT_RULES": {**FORWARD, "password": 12345678}},
                 id="forwarding given as rules"),
])
def test_a_password_is_never_shown(values: dict[str, Any]) -> None:
    assert "12345678" not in str(refusal(**values))


def test_each_problem_keeps_its_field_and_message_apart() -> None:
    [problem] = refusal(CPD_XAPI_FORWARD={**FORWARD, "batch_size": 0}).problems
    assert (problem.path, problem.message) == (
        ("CPD_XAPI_FORWARD", "batch_size"), "0: Input should be greater than or equal to 1")


def test_a_config_error_may_still_be_raised_with_a_message_of_its_own() -> None:
    error = ConfigError("CPD_EVIDENCE_STORAGE must be an EvidenceStorage")
    assert str(error) == "CPD_EVIDENCE_STORAGE must be an EvidenceStorage"
    assert [problem.message for problem in error.problems] == [str(error)]


# Hooks given as config values


def test_callable_setting_returns_the_callable_the_host_set() -> None:
    assert callable_setting({"CPD_PERMISSIONS": allow}, "CPD_PERMISSIONS") is allow


@pytest.mark.parametrize("config", [{}, {"CPD_PERMISSIONS": None}])
def test_callable_setting_is_none_when_the_host_set_nothing(config: dict[str, Any]) -> None:
    assert callable_setting(config, "CPD_PERMISSIONS") is None


@pytest.mark.parametrize("key", ["CPD_CURRENT_USER", "CPD_LEARNER_PROFILE", "CPD_PERMISSIONS"])
def test_callable_setting_refuses_a_value_that_is_not_callable_naming_its_key(key: str) -> None:
    with pytest.raises(ConfigError, match=f"{key}: 'myapp.hooks': Input should be callable"):
        callable_setting({key: "myapp.hooks"}, key)
