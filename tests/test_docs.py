"""The documentation keeps its word: every import path it names imports, the configuration page
lists every key the code reads, the vocabulary page every IRI the library speaks, and the pages
build with warnings as errors."""

from __future__ import annotations

import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cpd_tracker import config, vocabulary

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

#: A dotted path into our packages, in prose or code: ``cpd_tracker.permissions.Access``,
#: ``xapi.forwarding``, ``cpd_tracker.demo:create_app``. Not part of a file path or an address
#: (``templates/cpd_tracker/``, ``w3id.org/xapi/...``).
DOTTED = re.compile(r"(?<![\w./-])((?:cpd_tracker|xapi)(?:\.[A-Za-z_]\w*)+)(?::([A-Za-z_]\w*))?")
#: Flask endpoints (``url_for('cpd_tracker.my_cpd')``) look like import paths and are not.
ENDPOINTS = re.compile(r"url_for\([^)]*\)")
FENCE = re.compile(r"^```+\s*\{?(\w*)\}?[^\n]*\n(.*?)^```+\s*$", re.M | re.S)
FROM_IMPORT = re.compile(r"^\s*from\s+([\w.]+)\s+import\s+\(?([\w\s,]+?)\)?\s*(?:#.*)?$", re.M)
IMPORT = re.compile(r"^\s*import\s+([\w.]+)\s*(?:#.*)?$", re.M)


def named_paths(text: str) -> set[str]:
    """Every import path a page names: dotted paths anywhere, ``from X import Y`` and
    ``import X`` in its Python code blocks (``X.Y`` for the former)."""
    found = {f"{path}.{attribute}" if attribute else path
             for path, attribute in DOTTED.findall(ENDPOINTS.sub("", text))}
    for language, code in FENCE.findall(text):
        if language not in ("python", "py", "pycon"):
            continue
        for module, names in FROM_IMPORT.findall(code):
            found.update(f"{module}.{name.split()[0]}" for name in names.split(",")
                         if name.strip())
        found.update(IMPORT.findall(code))
    return found


def resolve(dotted: str) -> object:
    """What ``dotted`` names: the longest prefix that imports as a module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            found = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name and (name == missing.name or name.startswith(missing.name + ".")):
                continue
            raise
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(f"no module named {parts[0]!r}")


NAMED = sorted({(page.relative_to(ROOT).as_posix(), path)
                for page in PAGES for path in named_paths(page.read_text(encoding="utf-8"))})


def test_the_docs_name_import_paths_at_all() -> None:
    pages = {page for page, _ in NAMED}
    assert {"README.md", "docs/api.md", "docs/embedding.md", "docs/architecture.md"} <= pages
    assert ("docs/embedding.md", "cpd_tracker.CPDTracker") in NAMED


@pytest.mark.parametrize(("page", "path"), NAMED, ids=[f"{page}:{path}" for page, path in NAMED])
def test_every_import_path_the_docs_name_imports(page: str, path: str) -> None:
    resolve(path)


def test_the_scanner_finds_paths_in_prose_and_code_and_skips_files_and_endpoints() -> None:
    text = """See `cpd_tracker.permissions.allows(...)` and `python -m cpd_tracker.demo`, the
`cpd_tracker.demo:create_app` factory, `templates/cpd_tracker/my_cpd.html`,
`https://w3id.org/xapi/cpd-tracker/verbs/logged`, `url_for('cpd_tracker.my_cpd')`.

```python
from cpd_tracker import CPDTracker, include_object
import xapi.forwarding
```
"""
    assert named_paths(text) == {
        "cpd_tracker.permissions.allows", "cpd_tracker.demo", "cpd_tracker.demo.create_app",
        "cpd_tracker.CPDTracker", "cpd_tracker.include_object", "xapi.forwarding"}


def test_resolving_a_path_that_does_not_exist_fails() -> None:
    with pytest.raises(AttributeError):
        resolve("cpd_tracker.permissions.NoSuchThing")
    with pytest.raises(AttributeError):
        resolve("cpd_tracker.no_such_module")


def test_the_configuration_page_lists_every_key_the_code_reads_and_no_other() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| `(CPD_[A-Z_]+)` \|", text, re.M)
    assert sorted(listed) == sorted(config.DEFAULTS)
    assert len(listed) == len(set(listed))


def test_the_lrs_page_names_every_iri_of_the_vocabulary() -> None:
    text = (DOCS / "lrs.md").read_text(encoding="utf-8")
    iris = {value for name, value in vars(vocabulary).items() if name.isupper()
            and isinstance(value, str) and value.startswith(vocabulary.BASE + "/")}
    missing = sorted(iri for iri in iris if f"/{iri.rsplit('/', 1)[1]}`" not in text)
    assert not missing, f"docs/lrs.md does not name {missing}"


@pytest.mark.docs
def test_the_docs_build_with_warnings_as_errors(tmp_path: Path) -> None:
    for needed in ("sphinx", "myst_parser"):
        if importlib.util.find_spec(needed) is None:
            pytest.skip(f"{needed} is not installed: the docs build needs the docs extra "
                        "(pip install -e '.[docs]', or run scripts/docs)")
    built = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, cwd=ROOT, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "html" / "index.html").is_file()


def test_every_endpoint_the_embedding_guide_lists_is_one_of_the_blueprints(app) -> None:
    """The table of the library's pages in docs/embedding.md, against the app's URL map."""
    text = (DOCS / "embedding.md").read_text(encoding="utf-8")
    table = text.split("| endpoint, after `cpd_tracker.` |", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"^\s*\| `([a-z_]+)`", table, re.M)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert len(listed) >= 9
    assert [name for name in listed if f"cpd_tracker.{name}" not in endpoints] == []
