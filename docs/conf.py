"""Sphinx configuration for the sklearn_ae documentation."""

import os
import re
import socket
import warnings

import sklearn_ae

project = "sklearn_ae"
author = "sklearn_ae developers"
copyright = "2026, sklearn_ae developers"  # noqa: A001
version = release = sklearn_ae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "torch": ("https://docs.pytorch.org/docs/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
}


def _online(host: str = "docs.python.org") -> bool:
    try:
        socket.create_connection((host, 443), timeout=3).close()
    except OSError:
        return False
    return True


# CI machines reach package registries only: without network (or with
# SKLEARN_AE_OFFLINE=1) the inventories are skipped and cross-project links
# stay plain text, instead of failing a warnings-as-errors build.
if os.environ.get("SKLEARN_AE_OFFLINE") or not _online():
    intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklearn_ae",),
    "reference_url": {"sklearn_ae": None},
    "filename_pattern": r"plot_",
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
}

html_theme = "pydata_sphinx_theme"
html_title = "sklearn_ae"
html_theme_options = {"navigation_with_keys": False}
html_static_path = ["_static"]
html_css_files = ["custom.css"]

warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently")
nitpicky = False

_REF_WITH_TITLE = re.compile(r":ref:`([^`<]*?)\s*<[^>]+>`")
_REF = re.compile(r":ref:`([^`]+)`")


def _plain_sklearn_refs(app, what, name, obj, options, lines):
    """Inherited scikit-learn docstrings point at labels of scikit-learn's own
    site; keep their text and drop the link."""
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("sklearn."):
        return
    for i, line in enumerate(lines):
        lines[i] = _REF.sub(r"\1", _REF_WITH_TITLE.sub(r"\1", line))


def _skip_torch_members(app, what, name, obj, skip, options):
    """Leave out the members our torch modules inherit from torch.nn.Module."""
    if str(getattr(obj, "__module__", "") or "").startswith("torch."):
        return True
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _plain_sklearn_refs)
    app.connect("autodoc-skip-member", _skip_torch_members)
