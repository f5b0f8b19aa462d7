"""The one error a configuration that cannot work raises, listing every problem in it.

A host fixing its settings should need one round: every key is checked before anything is
refused, and each problem names the key and the field inside it
(``CPD_XAPI_CREDIT_RULES[0].verbs``), the value, and what is accepted, in the same words a
framework file's author reads (:mod:`cpd_tracker.problems`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from cpd_tracker.problems import Path, Problem, from_pydantic

#: Fields whose values never appear in a message (start-up errors end up in logs).
SECRETS = frozenset({"password"})


class ConfigError(RuntimeError):
    """The host's configuration cannot work; the message says what to change.

    ``ConfigError("message")`` for one problem that names its own key; ``ConfigError([...])``
    with every :class:`~cpd_tracker.problems.Problem` found, kept in ``problems``.
    """

    def __init__(self, problems: str | Sequence[Problem]) -> None:
        self.problems = [Problem((), problems)] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            text = str(self.problems[0])
        else:
            text = (f"The CPD_* configuration has {len(self.problems)} problems:\n"
                    + "\n".join(f"  {problem}" for problem in self.problems))
        super().__init__(text)


def problems_in(invalid: ValidationError, value: Any, schema: Any, *,
                key: str | None = None) -> list[Problem]:
    """Pydantic's errors checking ``value`` (the value of ``key``, or the whole configuration
    when ``key`` is ``None``) against ``schema``, as problems that name the key."""
    within: Path = (key,) if key else ()
    secrets = set(_secrets_in(value))
    return [Problem((*within, *problem.path), _scrubbed(problem.message, secrets))
            for problem in from_pydantic(invalid, value, schema, quote=quote)]


def check(schema: Any, value: Any, key: str) -> tuple[Any, list[Problem]]:
    """``value`` checked against the schema of one key (a model, or an annotation such as
    ``list[Model]``): the parsed value (``None`` if it cannot be read) and its problems."""
    try:
        return _adapter(schema).validate_python(value), []
    except ValidationError as invalid:
        return None, problems_in(invalid, value, schema, key=key)


@functools.cache
def _adapter(schema: Any) -> TypeAdapter[Any]:
    return TypeAdapter(schema)


def quote(path: Path, value: Any) -> str | None:
    """How a value appears in a message. A setting has no line to point at, so lists and
    dicts are quoted too; secrets are not."""
    if path and path[-1] in SECRETS:
        return None
    return repr(_without_secrets(value))


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: "..." if key in SECRETS else _without_secrets(item)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_secrets(item) for item in value)
    if isinstance(value, str):
        return _URL_PASSWORD.sub(r"\1:...@", value)
    return value


#: The password in an address such as ``https://user:password@lrs.example/``.
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/:@\s]*):[^/@\s]*@")


def _secrets_in(value: Any) -> list[str]:
    """Every secret written anywhere in ``value`` (under a key of :data:`SECRETS`), so that no
    message quotes one, whoever wrote the message (a check of its own, such as the remote
    LRS's, may quote a value that holds one)."""
    if isinstance(value, Mapping):
        return [found for key, item in value.items()
                for found in ([str(item)] if key in SECRETS and item not in (None, "")
                              else _secrets_in(item))]
    if isinstance(value, list | tuple):
        return [found for item in value for found in _secrets_in(item)]
    return []


def _scrubbed(message: str, secrets: set[str]) -> str:
    """``message`` with every secret, and every password in an address, replaced by ``...``."""
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "...")
    return _URL_PASSWORD.sub(r"\1:...@", message)
