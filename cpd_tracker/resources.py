"""Where the package's data folders (templates, migrations) are on disk.

``templates/`` and ``migrations/`` sit at the top of the source tree (the client's layout). A wheel
installs them inside the package (``cpd_tracker/templates``); in a source checkout or an editable
install they are beside the package. Both are looked for, in that order.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """The folder ``name`` (``"templates"`` or ``"migrations"``) of this installation."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"cpd-tracker is installed without its {name} folder (looked in "
                       f"{_PACKAGE / name}); reinstall the package")
