"""What a framework file's author is told: each mistake with its line and field, all at once.

Apart from the schema because every step of reading a file reports in these terms: the YAML
reader (a broken file), the schema and its cross-file checks, and loading (a file that would
change history).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FrameworkError:
    """One mistake in a framework file: where it is and what is wrong."""

    line: int | None
    field: str
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.field or '(file)'}: {self.problem}"


class FrameworkInvalid(ValueError):
    """A framework file cannot be loaded; ``errors`` lists every mistake found."""

    def __init__(self, source: str, errors: list[FrameworkError]) -> None:
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} problem(s)\n"
                         + "\n".join(f"  {source}, {error}" for error in errors))
