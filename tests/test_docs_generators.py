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

from keras_mlpmix.models import parameter_count
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
    text = preset_table.preset_tables(PRESETS, parameter_count)
    for name, row in PRESETS.items():
        assert f"[`{name}`](#preset-{name})" in text  # a row of the overview
        assert f"### `{name}`" in text  # and the row in full
        assert text.count(f"{parameter_count(name):,}") >= 2
        for key, value in row["config"].items():
            assert f"`{key}={value!r}`" in text
    rows = {name: dict(row) for name, row in PRESETS.items()}
    first = next(iter(rows))
    rows[first]["source"] = "https://example.org/weights.npz"
    text = preset_table.preset_tables(rows, parameter_count)
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


def _suite_result(backend):
    """A result of benchmarks/suite.py with one measurement per preset."""

    def entry(preset, ours, timm):
        row = {"task": "inference", "batch_size": 16, "median_s": 2.0, "min_s": 1.9}
        row.update(max_s=2.2, gflops_per_s=200.0, peak_memory_mb=None)
        return {
            "preset": preset,
            "backend": backend,
            "dtype": "float32",
            "jit_compile": True,
            "device": "x86_64 CPU, 2 cores",
            "gflops_per_image": 25.2,
            "first_predict_s": 3.0,
            "measurements": [
                {**row, "implementation": "keras_mlpmix", "images_per_s": ours}
                | {"ceiling_fraction": 0.91},
                {**row, "implementation": "timm (torch eager)", "images_per_s": timm}
                | {"ceiling_fraction": 0.6, "keras_mlpmix_speedup": ours / timm},
            ],
        }

    return {
        "backend": backend,
        "keras": "3.0",
        "keras_mlpmix": "0.1",
        "python": "3.11",
        "machine": "x86_64, 2 cores",
        "device": "cpu",
        "date": "2026-11-23",
        "wall_s": 600.0,
        "import": {"import_keras_s": 1.0, "import_keras_mlpmix_added_s": 0.05}
        | {"runs": 5},
        "fourier_share": {"shape": [256, 64, 256], "share": 0.3}
        | {"fourier_mixing_s": 0.003, "fnet_block_s": 0.01},
        "cifar_training": {
            "batch_size": 256,
            "keras_mlpmix": {"median_s": 1.0},
            "keras_io_design": {"median_s": 1.5},
            "speedup": 1.5,
        },
        "paper_sizes": [entry("mixer_b16_224", 6.0, 4.0), entry("gmlp_s16_224", 9, 3)],
    }


def test_benchmark_page_checks_suite_results_against_the_targets(tmp_path):
    (tmp_path / "2026-11-23-cpu-jax.json").write_text(json.dumps(_suite_result("jax")))
    targets = pathlib.Path(__file__).parents[1] / "benchmarks" / "targets.py"
    text = benchmark_results.results_page(tmp_path, targets)
    assert "### jax, 2026-11-23 (`2026-11-23-cpu-jax.json`)" in text
    # Each target with its measured ratio and whether it is met.
    assert "| Mixer-B/16 inference, batch 16, vs timm" in text
    assert "| jax | 1.50 | >= 1.2 | met |" in text  # 6.0 / 4.0 images/s
    assert "| jax | 0.91 | >= 0.85 | met |" in text  # the ceiling fraction
    assert "| jax | 0.30 | <= 0.25 | NOT met |" in text  # the Fourier share
    assert "keras_mlpmix` adds 0.050 s" in text
    # And the benchmark's own tables, as benchmarks/preset_benchmark.py prints them.
    assert "mixer_b16_224 on jax (float32, jit_compile=True)" in text
    assert "gmlp_s16_224 on jax" in text


@pytest.mark.parametrize(
    "figure", ["mixer_block", "fnet_block", "gmlp_block", "resmlp_block"]
)
def test_concept_figures_are_referenced(figure):
    docs = pathlib.Path(__file__).parents[1] / "docs"
    assert (docs / "_static" / "figures" / f"{figure}.svg").is_file()
    assert f"_static/figures/{figure}.svg" in (docs / "concepts.md").read_text()


def test_benchmark_page_shows_the_keras_io_design_under_xla_when_measured(tmp_path):
    result = _suite_result("tensorflow")
    result["cifar_training"]["keras_io_design_xla"] = {"median_s": 1.2}
    (tmp_path / "2026-11-23-cpu-tensorflow.json").write_text(json.dumps(result))
    targets = pathlib.Path(__file__).parents[1] / "benchmarks" / "targets.py"
    text = benchmark_results.results_page(tmp_path, targets)
    assert "the keras-io design 1500 ms (1200 ms under XLA)." in text


def test_benchmark_page_names_the_fastest_backend_of_the_newest_suite(tmp_path):
    for backend in ("jax", "torch"):
        result = _suite_result(backend)
        if backend == "torch":  # faster than timm: 9.0 against 4.0 images/s
            for entry in result["paper_sizes"]:
                entry["measurements"][1]["keras_mlpmix_speedup"] = 9.0 / 4.0
        path = tmp_path / f"2026-11-23-cpu-{backend}.json"
        path.write_text(json.dumps(result))
    targets = pathlib.Path(__file__).parents[1] / "benchmarks" / "targets.py"
    text = benchmark_results.results_page(tmp_path, targets)
    section = text[text.index("### Fastest backend, 2026-11-23") :]
    row = "| Mixer-B/16 inference, batch 16, fastest backend vs timm eager |"
    assert f"{row} torch | 2.25 | >= 1.3 | met |" in section
    # A cell that no file measured is shown as not measured.
    assert (
        "batch 1, fastest backend vs timm eager | - | - | >= 1.3 | not measured |"
        in section
    )
    (tmp_path / "2026-11-23-cpu-torch.json").unlink()
    assert "### Fastest backend" not in benchmark_results.results_page(
        tmp_path, targets
    )
