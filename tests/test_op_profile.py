import importlib.util
import os
import pathlib
import subprocess
import sys

import keras
import pytest

SCRIPT = pathlib.Path(__file__).parents[1] / "benchmarks" / "op_profile.py"


def _module():
    spec = importlib.util.spec_from_file_location("op_profile", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hlo_op_names_become_layer_paths():
    layers = _module()._layers
    assert layers(
        "jit(train_step)/transpose(jvp(mlp_mixer_backbone))/block_11/token_norm/"
        "jit(_var)/add_any"
    ) == ("backward", "block_*/token_norm")
    assert layers("jit(predict_step)/f_net_block/mlp/fc1/abc,cz->abz/dot_general") == (
        "forward",
        "mlp/fc1",
    )
    assert layers("jit(predict_step)/reduce_sum") == ("forward", "(reduce_sum)")


@pytest.mark.parametrize(
    "workload, layer",
    [
        (["fnet-block", "--batch-size", "4"], "fourier"),
        (["train", "mixer_cifar100", "--batch-size", "2"], "block_*/token_mlp/fc1"),
    ],
    ids=["fnet-block", "train"],
)
def test_profiles_a_workload_or_says_which_backends_it_supports(workload, layer):
    backend = keras.backend.backend()
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *workload, "--repeats", "1", "--top", "60"],
        env={**os.environ, "KERAS_BACKEND": backend},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if backend == "tensorflow":
        assert run.returncode != 0
        assert "supports KERAS_BACKEND=jax or torch" in run.stderr
    elif backend == "jax":
        assert run.returncode == 0, run.stderr
        rows = {line.split()[-1] for line in run.stdout.splitlines() if "%" in line}
        assert layer in rows
    else:
        assert run.returncode == 0, run.stderr
        assert "aten::" in run.stdout
