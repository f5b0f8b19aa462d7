"""Sphinx configuration of cpd-tracker's documentation (``scripts/docs`` builds it).

The pages are Markdown (MyST-Parser); the API reference reads the docstrings of the checkout
beside this folder, not of whatever copy of the package is installed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cpd_tracker  # the checkout's, now first on the path

project = "cpd-tracker"
author = "cpd-tracker contributors"
copyright = "cpd-tracker contributors"
release = version = cpd_tracker.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Anchors for headings down to ###, so pages can link to each other's sections.
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# SQLAlchemy's docstrings, inherited by the xapi tables, refer to labels of its own docs.
autodoc_inherit_docstrings = False

html_theme = "alabaster"
html_title = "cpd-tracker"
# Wide enough for the architecture diagrams (about 100 columns) without scrolling.
html_theme_options = {"page_width": "1240px", "body_max_width": "none"}
