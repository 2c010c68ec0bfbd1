"""Every script in examples/ runs its smoke mode on the current backend.

Examples are found by their file names, so a new one is covered as soon
as it is added. They run as scripts do, with examples/ on the import path. Each must have a keras-io style header (title, what it
shows, how to run it, how long it takes) and a `main(argv)` that accepts
`--smoke`: tiny data and models, one training step, no network.
"""

import importlib.util
import pathlib

import pytest

EXAMPLES = sorted((pathlib.Path(__file__).parents[1] / "examples").glob("*.py"))
HEADER_FIELDS = ("Title:", "Description:", "Run:", "Time:")


def load(path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_examples_are_found():
    assert {
        "mlp_image_classification",
        "compose_layers",
        "mixed_precision_and_xla",
    } <= {path.stem for path in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_header_and_smoke_run(path, tmp_path, monkeypatch):
    # As `python examples/x.py` does: examples may import one another.
    monkeypatch.syspath_prepend(str(path.parent))
    module = load(path)
    header = module.__doc__ or ""
    for field in HEADER_FIELDS:
        assert f"\n{field}" in f"\n{header.strip()}", (path.name, field)
    assert f"{path.name} --smoke" in header
    monkeypatch.chdir(tmp_path)  # whatever an example writes stays here
    module.main(["--smoke"])
