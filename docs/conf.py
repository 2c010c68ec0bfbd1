"""Sphinx configuration of the keras-mlpmix documentation site.

The build needs no network: no intersphinx inventories are fetched. The API
reference, the example pages, the preset table and the benchmark tables are
generated from the package and the repository at every build (see
`docs/_ext/`), so they cannot drift from the code.
"""

import importlib.metadata
import os
import pathlib
import sys

# autodoc imports keras_mlpmix, which imports Keras; Keras needs a backend.
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

DOCS = pathlib.Path(__file__).parent
sys.path.insert(0, str(DOCS / "_ext"))

import keras_mlpmix  # noqa: E402

project = "keras-mlpmix"
author = "keras-mlpmix developers"
copyright = "keras-mlpmix developers"
release = keras_mlpmix.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "myst_parser",
    "api_reference",
    "summary_table",
    "example_pages",
    "preset_table",
    "benchmark_results",
    "section_toctree",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated", "README.md", "Thumbs.db", ".DS_Store"]
# Inline `code` in docstrings is code, not an italic "title reference".
default_role = "code"

# autodoc: Google-style docstrings, type hints in the parameter lists.
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_member_order = "bysource"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True
# Undocumented overrides (get_config, call) stay out; Keras's own docstrings
# are not written for Sphinx.
autodoc_inherit_docstrings = False
add_module_names = False
python_maximum_signature_line_length = 88
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# MyST: Markdown pages with directives in ``` fences and ::: blocks.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Copying a code sample copies the code only: no prompts, no outputs.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

html_theme = "furo"
html_title = f"keras-mlpmix {release}"
html_static_path = ["_static"]
html_theme_options = {"navigation_with_keys": True}
# "Edit this page" links, once the package metadata names its repository.
_urls = dict(
    entry.split(", ", 1)
    for entry in importlib.metadata.metadata("keras-mlpmix").get_all("Project-URL")
    or ()
)
_repository = next(
    (_urls[key] for key in ("Source", "Repository", "Source code") if key in _urls),
    "",
)
if _repository.startswith("https://github.com/"):
    html_theme_options.update(
        source_repository=_repository.rstrip("/") + "/",
        source_branch="main",
        source_directory="docs/",
    )
pygments_style = "friendly"
pygments_dark_style = "monokai"
