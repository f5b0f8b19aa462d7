"""The ``CPD_*`` configuration: defaults a host may leave unset, and a refusal at start-up that
names the key for every value that cannot work."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cpd_tracker.config import DEFAULTS, ConfigError, apply_defaults, callable_setting, load

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
    with pytest.raises(ConfigError, match="Unknown configuration key CPD_URL_PREFX") as error:
        load(host_config(CPD_URL_PREFX="/learning/cpd"))
    assert "CPD_URL_PREFIX" in str(error.value)  # and the keys that do exist are listed


def test_keys_without_the_cpd_prefix_are_not_checked() -> None:
    load(host_config(SECRET_KEY="s3cret", CPDX_SETTING=1, WTF_CSRF_ENABLED=False))


def test_a_home_page_is_required() -> None:
    config: dict[str, Any] = {}
    apply_defaults(config)
    with pytest.raises(ConfigError, match="CPD_LMS_HOME_PAGE must be set"):
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
    ("CPD_CATEGORIES", None),
    ("CPD_CATEGORIES", 42),
    ("CPD_MAX_HOURS_PER_DAY", 0),
    ("CPD_MAX_HOURS_PER_DAY", 25),
    ("CPD_MAX_HOURS_PER_DAY", -1),
    ("CPD_MAX_HOURS_PER_DAY", True),
    ("CPD_MAX_HOURS_PER_DAY", "24"),
    ("CPD_MAX_HOURS_PER_DAY", 7.5),
    ("CPD_MAX_HOURS_PER_DAY", None),
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
    with pytest.raises(ConfigError, match=f"got {shown}"):
        load(host_config(**{key: value}))


def test_a_repeated_category_code_is_named() -> None:
    with pytest.raises(ConfigError, match="CPD_CATEGORIES lists the code 'formal' more than once"):
        load(host_config(CPD_CATEGORIES=[("formal", "Formal"), ("formal", "Formal again")]))


def test_an_empty_category_list_is_refused() -> None:
    with pytest.raises(ConfigError, match="CPD_CATEGORIES must name at least one category"):
        load(host_config(CPD_CATEGORIES=[]))


def test_a_list_of_two_letter_codes_without_labels_is_refused() -> None:
    with pytest.raises(ConfigError, match="CPD_CATEGORIES"):
        load(host_config(CPD_CATEGORIES=["PD", "CR"]))


# Hooks given as config values


def test_callable_setting_returns_the_callable_the_host_set() -> None:
    assert callable_setting({"CPD_PERMISSIONS": allow}, "CPD_PERMISSIONS") is allow


@pytest.mark.parametrize("config", [{}, {"CPD_PERMISSIONS": None}])
def test_callable_setting_is_none_when_the_host_set_nothing(config: dict[str, Any]) -> None:
    assert callable_setting(config, "CPD_PERMISSIONS") is None


@pytest.mark.parametrize("key", ["CPD_CURRENT_USER", "CPD_LEARNER_PROFILE", "CPD_PERMISSIONS"])
def test_callable_setting_refuses_a_value_that_is_not_callable_naming_its_key(key: str) -> None:
    with pytest.raises(ConfigError, match=f"{key} must be a callable, got 'myapp.hooks'"):
        callable_setting({key: "myapp.hooks"}, key)
