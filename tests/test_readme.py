"""The README's Python examples run as written, with downloads stood in for."""

import pathlib
import re

import keras

from offline_stand_ins import stand_in_cifar, stand_in_pretrained_presets

README = pathlib.Path(__file__).parents[1] / "README.md"


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_readme_examples_run(monkeypatch, tmp_path):
    stand_in_pretrained_presets(monkeypatch, tmp_path)
    stand_in_cifar(monkeypatch)
    monkeypatch.chdir(tmp_path)  # the examples write a preset folder
    blocks = python_blocks(README.read_text())
    assert blocks, "README.md has no python examples"
    for block in blocks:
        namespace = {}
        exec(compile(block, str(README), "exec"), namespace)
    model = namespace["model"]
    assert isinstance(model, keras.Model)
    assert model.output_shape == (None, 100)
