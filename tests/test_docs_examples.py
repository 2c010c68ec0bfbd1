"""Every Python code sample of the documentation runs, on the current backend.

Each Markdown page under `docs/` is one test: its ```python blocks run in
order in one namespace, as a reader would paste them, in a fresh temporary
working directory (pages may save files). README.md is covered by
test_readme.py.

Pages that would need the network run against the stand-ins of
`offline_stand_ins.py`, for every page: the CIFAR loaders return a few random
images of the real shapes and dtypes, so a tutorial that trains on CIFAR-100
runs in seconds, `load_shapes` gives at most 128 training and 64 test
images, and every pretrained preset downloads a small random
checkpoint of its own layout from a local file. A page that downloads
something else adds its stand-in there; no test may touch the network.
"""

from __future__ import annotations

import pathlib
import re

import pytest

from offline_stand_ins import shrink_shapes, stand_in_cifar, stand_in_pretrained_presets

DOCS = pathlib.Path(__file__).parents[1] / "docs"
# Generated pages (API reference, examples) hold no ```python blocks of their own.
GENERATED = ("_build", "_generated", "api", "examples")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown page, with their first line number."""
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.DOTALL | re.M)
    ]


def pages_with_code() -> list[pathlib.Path]:
    return [
        page
        for page in sorted(DOCS.rglob("*.md"))
        if page.relative_to(DOCS).parts[0] not in GENERATED
        and python_blocks(page.read_text())
    ]


def test_pages_with_code_are_found():
    pages = [page.relative_to(DOCS).as_posix() for page in pages_with_code()]
    assert "index.md" in pages
    assert "tutorials/compose_layers.md" in pages


@pytest.mark.parametrize(
    "page", pages_with_code(), ids=lambda page: page.relative_to(DOCS).as_posix()
)
def test_page_code_runs(page, tmp_path, monkeypatch):
    stand_in_cifar(monkeypatch)
    shrink_shapes(monkeypatch)
    stand_in_pretrained_presets(monkeypatch, tmp_path / "checkpoints")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for line, block in python_blocks(page.read_text()):
        # Line numbers in tracebacks point into the Markdown page.
        code = compile("\n" * (line - 1) + block, str(page), "exec")
        exec(code, namespace)
