"""Sphinx configuration: MyST markdown pages; the config reference is generated from the tools' schemas."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "_ext"))

project = "fink"
author = "the fink authors"
copyright = "2026, the fink authors"
release = "1.0.0"

extensions = ["myst_parser"]
if os.path.exists(os.path.join(os.path.dirname(__file__), "_ext", "fink_schema_docs.py")):
    extensions.append("fink_schema_docs")

source_suffix = {".md": "markdown"}
myst_heading_anchors = 3
exclude_patterns = ["_build"]
html_theme = "alabaster"
suppress_warnings = ["myst.xref_missing"]
