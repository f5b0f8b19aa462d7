"""The two commands of the README: ``scripts/demo`` and ``scripts/test`` each set up and use an
environment of their own, so running the tests never reinstalls the package under a running demo
(which then answered every page with a 500, its templates gone).

The real scripts run on a copy of themselves, with a stand-in Python that records what each
environment was asked to do instead of installing anything.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: A stand-in for ``python3``: ``-m venv DIR`` makes DIR/bin/python and DIR/bin/lint-imports,
#: which write "environment: arguments" to $CPD_SCRIPTS_LOG and do nothing else.
FAKE_PYTHON = """#!/usr/bin/env bash
set -eu
if [ "${1:-}" = -m ] && [ "${2:-}" = venv ]; then
  mkdir -p "$3/bin"
  for tool in python lint-imports; do
    cat > "$3/bin/$tool" <<'EOF'
#!/usr/bin/env bash
echo "$(basename "$(dirname "$(dirname "$0")")") $(basename "$0") $*" >> "$CPD_SCRIPTS_LOG"
EOF
    chmod +x "$3/bin/$tool"
  done
  exit 0
fi
echo "unexpected: python3 $*" >&2
exit 1
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the scripts, as in a checkout, and a stand-in python3 for them."""
    folder = tmp_path / "checkout"
    shutil.copytree(ROOT / "scripts", folder / "scripts")
    python = tmp_path / "python3"
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IXUSR)
    return folder


def run(checkout: Path, script: str, *args: str, **env: str) -> list[str]:
    """Run one of the scripts; what each environment was asked to do, in order."""
    log = checkout.parent / "calls.log"
    log.unlink(missing_ok=True)
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("CPD_VENV", "CPD_PIP_EXTRA")}
    environment.update(PYTHON=str(checkout.parent / "python3"), CPD_SCRIPTS_LOG=str(log),
                       CPD_CHROMIUM="/bin/sh", **env)  # any executable: no apt-get here
    subprocess.run(["bash", str(checkout / "scripts" / script), *args], check=True,
                   env=environment, capture_output=True, text=True, timeout=60)
    return log.read_text().splitlines()


def test_the_demo_and_the_tests_each_install_into_an_environment_of_their_own(
        checkout: Path) -> None:
    demo = run(checkout, "demo", "--port", "5001")
    tests = run(checkout, "test", "-k", "browser")

    assert {line.split()[0] for line in demo} == {".venv-demo"}
    assert {line.split()[0] for line in tests} == {".venv"}
    # The demo runs the wheel as a force would; the tests install the checkout editable.
    assert any(line.endswith(" install .") for line in demo), demo
    assert demo[-1] == ".venv-demo python -m cpd_tracker.demo --port 5001"
    assert any(line.endswith(" install -e .[test,docs]") for line in tests), tests
    assert tests[-3:] == [".venv python -m ruff check .", ".venv lint-imports --no-cache",
                          ".venv python -m pytest -n auto -k browser"]


def test_cpd_venv_names_another_environment_for_either(checkout: Path) -> None:
    demo = run(checkout, "demo", CPD_VENV="elsewhere")
    tests = run(checkout, "test", CPD_VENV="elsewhere")
    assert {line.split()[0] for line in demo + tests} == {"elsewhere"}


@pytest.mark.parametrize("args", [("-n", "0"), ("-n2",), ("--numprocesses=3",),
                                  ("-p", "no:xdist"), ("--pdb",)])
def test_the_tests_run_on_every_core_unless_the_arguments_say_how(
        checkout: Path, args: tuple[str, ...]) -> None:
    assert run(checkout, "test", *args)[-1] == f".venv python -m pytest {' '.join(args)}"
