"""Every Python code sample of the documentation runs, on the current backend.

Each Markdown page under `docs/` is one test: its ```python blocks run in
order in one namespace, as a reader would paste them, in a fresh temporary
working directory (pages may save files). README.md is covered by
test_readme.py.

Pages that would need the network run against stand-ins instead: every entry
of `STAND_INS` maps an attribute path to a factory of its replacement, and
the test patches each one (pytest's monkeypatch) for every page. The dataset
loaders return a few random images of the real shapes and dtypes, so a
tutorial that trains on CIFAR-100 runs in seconds. A page that downloads
something else adds its stand-in here, next to these; no test may touch the
network.
"""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

DOCS = pathlib.Path(__file__).parents[1] / "docs"
# Generated pages (API reference, examples) hold no ```python blocks of their own.
GENERATED = ("_build", "_generated", "api", "examples")


def tiny_cifar(num_classes: int, label_dtype: str):
    """A stand-in for `keras.datasets.cifar{10,100}.load_data`: 64 + 32 images."""

    def load_data(*args, **kwargs):
        rng = np.random.default_rng(0)

        def split(size):
            images = rng.integers(0, 256, (size, 32, 32, 3), dtype=np.uint8)
            labels = rng.integers(0, num_classes, (size, 1)).astype(label_dtype)
            return images, labels

        return split(64), split(32)

    return load_data


STAND_INS = {
    "keras.datasets.cifar10.load_data": lambda: tiny_cifar(10, "uint8"),
    "keras.datasets.cifar100.load_data": lambda: tiny_cifar(100, "int64"),
}


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
    for target, make_stand_in in STAND_INS.items():
        monkeypatch.setattr(target, make_stand_in())
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for line, block in python_blocks(page.read_text()):
        # Line numbers in tracebacks point into the Markdown page.
        code = compile("\n" * (line - 1) + block, str(page), "exec")
        exec(code, namespace)
