"""The generated parts of the documentation site cover what they must.

The generators in docs/_ext write Sphinx sources from the package and the
repository: the API reference from the packages' `__all__`, a page per
example script, the preset tables and the benchmark tables. These tests run
them without Sphinx and check their output.
"""

from __future__ import annotations

import inspect
import json
import pathlib
import sys
import textwrap

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "docs" / "_ext"))

import api_reference
import benchmark_results
import example_pages
import preset_table

from keras_mlpmix.models.presets import PRESETS


def test_api_reference_documents_every_public_name(tmp_path):
    api_reference.write_api_pages(tmp_path)
    packages = api_reference.public_packages()
    assert {"keras_mlpmix", "keras_mlpmix.layers", "keras_mlpmix.models"} <= {
        package.__name__ for package in packages
    }
    index = (tmp_path / "index.rst").read_text()
    sources = {
        p.__name__: (tmp_path / f"{p.__name__}.rst").read_text() for p in packages
    }
    documented = "\n".join(sources.values())
    for package in packages:
        assert package.__name__ in index
        for name in package.__all__:
            obj = getattr(package, name)
            # Listed on the page of every package that exports it ...
            assert name in sources[package.__name__], (package.__name__, name)
            if inspect.ismodule(obj):
                assert f":doc:`{obj.__name__}`" in sources[package.__name__]
                continue
            # ... and documented in full exactly once, on one page.
            directive = (
                "autoclass"
                if inspect.isclass(obj)
                else "autofunction"
                if callable(obj)
                else "py:data"
            )
            assert documented.count(f".. {directive}:: {name}\n") == 1, name


def test_every_documented_class_and_function_has_an_example():
    packages = api_reference.public_packages()
    homes = api_reference.home_packages(packages)
    for package in packages:
        for name in package.__all__:
            obj = getattr(package, name)
            if homes[id(obj)] != package.__name__ or not callable(obj):
                continue
            doc = inspect.getdoc(obj) or ""
            assert "Example:" in doc and ">>> " in doc, f"{package.__name__}.{name}"


def test_api_reference_finds_any_public_subpackage(tmp_path, monkeypatch):
    root = tmp_path / "toypkg"
    for folder, exports in [
        (root, "['tool']"),
        (root / "extras", "['Helper']"),
        (root / "_private", "['Hidden']"),
        (root / "plain", None),
    ]:
        folder.mkdir()
        body = "" if exports is None else f"__all__ = {exports}\n"
        body += "def tool():\n    'A tool.'\n\nclass Helper:\n    'Helps.'\n\n"
        body += "class Hidden:\n    'Hidden.'\n"
        (folder / "__init__.py").write_text(body)
    monkeypatch.syspath_prepend(str(tmp_path))
    names = [package.__name__ for package in api_reference.public_packages("toypkg")]
    assert names == ["toypkg", "toypkg.extras"]


def test_example_pages_follow_the_scripts(tmp_path):
    examples = tmp_path / "examples"
    out = tmp_path / "docs" / "examples"
    assert example_pages.write_example_pages(examples, out) == []
    assert not out.exists()

    examples.mkdir()
    (examples / "train_thing.py").write_text(
        textwrap.dedent(
            '''\
            """
            Title: Training a thing
            Author: someone
            Description: Trains a thing on things.

            Run it with `python examples/train_thing.py`.
            """


            import keras
            '''
        )
    )
    (examples / "bare.py").write_text("print('no docstring')\n")
    (examples / "_shared.py").write_text('"""Not an example."""\n')
    pages = example_pages.write_example_pages(examples, out)
    assert [page.name for page in pages] == ["bare.md", "train_thing.md"]

    text = (out / "train_thing.md").read_text()
    assert text.startswith("# Training a thing\n")
    assert "**Description:** Trains a thing on things." in text
    assert "Run it with `python examples/train_thing.py`." in text
    assert "```{literalinclude} ../../examples/train_thing.py" in text
    assert ":lines: 10-" in text  # the code after the docstring and blank lines
    assert (out / "bare.md").read_text().startswith("# Bare\n")

    (examples / "bare.py").unlink()
    example_pages.write_example_pages(examples, out)
    assert sorted(page.name for page in out.iterdir()) == ["train_thing.md"]


def test_example_headers_keep_wrapped_fields_and_run_blocks():
    title, fields, prose = example_pages.split_header(
        textwrap.dedent(
            """\
            Title: Training a thing
            Description: Trains a thing
            on things.

            Run:
                python examples/train_thing.py --smoke

            Time: seconds.
            """
        )
    )
    assert title == "Training a thing"
    assert fields == {"Description": "Trains a thing on things."}
    # The command is an indented (code) block of its own in Markdown.
    assert "Run:\n\n    python examples/train_thing.py --smoke" in prose
    assert prose.endswith("Time: seconds.")


def test_preset_tables_show_every_preset_and_every_field():
    text = preset_table.preset_tables(PRESETS)
    for name, row in PRESETS.items():
        assert f"[`{name}`](#preset-{name})" in text  # a row of the overview
        assert f"### `{name}`" in text  # and the row in full
        assert text.count(f"{row['params']:,}") >= 2
        for key, value in row["config"].items():
            assert f"`{key}={value!r}`" in text
    rows = {name: dict(row) for name, row in PRESETS.items()}
    first = next(iter(rows))
    rows[first]["source"] = "https://example.org/weights.npz"
    text = preset_table.preset_tables(rows)
    assert "- **source**: <https://example.org/weights.npz>" in text


def test_benchmark_page_shows_only_committed_results(tmp_path):
    assert "No benchmark results" in benchmark_results.results_page(tmp_path)
    result = {
        "preset": "mixer_b16_224",
        "device": {"name": "cpu", "cores": 2},
        "rows": [
            {"task": "inference", "batch": 16, "images_per_s": 12.3456},
            {"task": "train_step", "batch": 16, "images_per_s": 4.5},
        ],
    }
    (tmp_path / "run.json").write_text(json.dumps(result))
    text = benchmark_results.results_page(tmp_path)
    assert "### `run.json`" in text
    assert "- **device.cores**: 2" in text
    assert "| task | batch | images_per_s |\n|---|---:|---:|" in text  # numbers right
    assert "| inference | 16 | 12.35 |" in text


@pytest.mark.parametrize("figure", ["mixer_block", "fnet_block", "gmlp_block"])
def test_concept_figures_are_referenced(figure):
    docs = pathlib.Path(__file__).parents[1] / "docs"
    assert (docs / "_static" / "figures" / f"{figure}.svg").is_file()
    assert f"_static/figures/{figure}.svg" in (docs / "concepts.md").read_text()
