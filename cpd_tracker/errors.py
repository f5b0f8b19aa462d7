"""The one way the library says no: :class:`Refused`, what is wrong by field.

Every service raises it for a request it cannot do, with nothing written; every page shows each
message next to its field (and the rest above the form), and the JSON API answers 400 with the
same messages. A message names the field, the value and what would be accepted, in words the
person who sent it can act on.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The field of a problem that belongs to no one field (shown above the form).
FORM = "form"


class Refused(ValueError):
    """A request that cannot be done; ``errors`` maps each field to what is wrong with it.

    ``Refused("message")`` is a problem of the whole request (field ``form``);
    ``Refused("message", field="page")`` one of a single field; ``Refused({...})`` several.
    """

    def __init__(self, errors: Mapping[str, str] | str, *, field: str = FORM) -> None:
        self.errors: dict[str, str] = ({field: errors} if isinstance(errors, str)
                                       else dict(errors))
        super().__init__("; ".join(f"{name}: {message}" for name, message
                                   in self.errors.items()))

    @property
    def message(self) -> str:
        """Every message, without the field names: what a person reads in one line."""
        return " ".join(self.errors.values())

    @property
    def field(self) -> str:
        """The first field at fault (``form`` for the request as a whole)."""
        return next(iter(self.errors), FORM)
