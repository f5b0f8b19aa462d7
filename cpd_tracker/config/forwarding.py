"""``CPD_XAPI_FORWARD``: forwarding statements to the force's enterprise LRS.

Written as a dict (:class:`ForwardSpec` is its shape, with the defaults a host may leave out)
and read into :class:`ForwardSettings`. Where the remote LRS is and how it is called are
xAPI's :class:`~xapi.forwarding.ForwardTarget`, whose own checks (an http(s) endpoint...) are
part of this one's, so a target that cannot work is refused at start-up with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cpd_tracker.config.errors import ConfigError, check
from xapi.forwarding import ForwardTarget

KEY = "CPD_XAPI_FORWARD"


@dataclass(frozen=True)
class ForwardSettings:
    """Forwarding to the force's enterprise LRS: where, which statements, how often."""

    target: ForwardTarget
    #: ``"cpd"``: the library's own records and statements credited as CPD; ``"all"``: every one.
    statements: str = "cpd"
    every_seconds: int = 60


class ForwardSpec(BaseModel):
    """``CPD_XAPI_FORWARD`` as the host writes it; only the endpoint and credentials are
    required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Names the target's rows in the outbox: renaming it starts a new queue.
    name: str = Field("enterprise", min_length=1, max_length=255, strict=True)
    endpoint: str = Field(min_length=1, strict=True)
    username: str = Field(min_length=1, strict=True)
    password: str = Field(min_length=1, strict=True, repr=False)
    #: Seconds to connect, and for each read.
    timeout: float = Field(10, gt=0, strict=True)
    batch_size: int = Field(50, ge=1, strict=True)
    statements: Literal["cpd", "all"] = "cpd"
    every_seconds: int = Field(60, ge=5, strict=True)

    @model_validator(mode="after")
    def _target_works(self) -> ForwardSpec:
        self.target()
        return self

    def read(self) -> ForwardSettings:
        """The settings forwarding runs with."""
        return ForwardSettings(target=self.target(), statements=self.statements,
                               every_seconds=self.every_seconds)

    def target(self) -> ForwardTarget:
        """The remote LRS these settings describe (raises ``ValueError`` if it cannot work)."""
        return ForwardTarget(name=self.name, endpoint=self.endpoint, username=self.username,
                             password=self.password, timeout=self.timeout,
                             batch_size=self.batch_size)


def forward_settings(value: Any) -> ForwardSettings | None:
    """Check ``CPD_XAPI_FORWARD`` (a dict, or ``None`` for no forwarding), or raise
    :class:`ConfigError` with every problem in it."""
    spec, problems = check(ForwardSpec | None, value, KEY)
    if problems:
        raise ConfigError(problems)
    return None if spec is None else spec.read()
