"""Multi-device training with keras.distribution: layouts, and sharded = unsharded.

The layout map is checked on every backend (it is plain data). Sharded
training runs only on JAX, the backend `keras.distribution` supports, on 4
CPU devices simulated in a subprocess (see `sharded_training.py`): XLA reads
`--xla_force_host_platform_device_count` once, when JAX is first imported,
which in this process happened before any test ran, and forcing 4 devices
on the whole suite would change the conditions of every other test.
"""

import json
import os
import pathlib
import subprocess
import sys

import keras
import pytest

from keras_mlpmix import Backbone, ImageClassifier

WORKER = pathlib.Path(__file__).with_name("sharded_training.py")
FAMILIES = ("mixer", "gmlp", "fnet", "resmlp")
SHARDED_WAYS = ("data_parallel", "model_parallel")
# The MLP kernels and biases the layout map splits, per family, with their axes.
SHARDED = {
    "mixer_cifar100": {
        "token_mlp/fc1/kernel": (None, "model"),
        "token_mlp/fc1/bias": ("model", None),
        "token_mlp/fc2/kernel": ("model", None),
        "channel_mlp/fc1/kernel": (None, "model"),
        "channel_mlp/fc1/bias": ("model",),
        "channel_mlp/fc2/kernel": ("model", None),
    },
    "gmlp_cifar100": {
        "mlp/fc1/kernel": (None, "model"),
        "mlp/fc1/bias": ("model",),
        "mlp/fc2/kernel": ("model", None),
    },
    "fnet_cifar100": {
        "mlp/fc1/kernel": (None, "model"),
        "mlp/fc1/bias": ("model",),
        "mlp/fc2/kernel": ("model", None),
    },
    "resmlp_cifar100": {
        "mlp/fc1/kernel": (None, "model"),
        "mlp/fc1/bias": ("model",),
        "mlp/fc2/kernel": ("model", None),
    },
}


def _mesh(axis_names=("batch", "model")):
    return keras.distribution.DeviceMesh(
        (2, 2), axis_names, devices=[f"cpu:{i}" for i in range(4)]
    )


@pytest.mark.parametrize("preset", SHARDED)
def test_layout_map_splits_exactly_the_mlp_projections(preset):
    layout_map = Backbone.get_layout_map(_mesh())
    model = ImageClassifier.from_preset(preset, num_blocks=2, hidden_dim=16)
    for weight in model.weights:
        layout = layout_map[weight.path]  # Raises if two patterns match.
        block, _, rest = weight.path.partition("/")
        expected = SHARDED[preset].get(rest) if block.startswith("block_") else None
        if expected is None:
            assert layout is None, weight.path
        else:
            assert layout.axes == expected, weight.path
            assert len(layout.axes) == len(weight.shape), weight.path


def test_layout_map_uses_the_named_model_axis():
    layout_map = Backbone.get_layout_map(_mesh(("data", "tensor")), model_axis="tensor")
    assert layout_map["block_0/mlp/fc2/kernel"].axes == ("tensor", None)
    assert layout_map.device_mesh.axis_names == ("data", "tensor")


def test_layout_map_rejects_what_is_not_a_mesh_or_an_axis_of_it():
    with pytest.raises(TypeError, match="device_mesh"):
        Backbone.get_layout_map((2, 2))
    with pytest.raises(ValueError, match=r"\('batch', 'model'\).*model_axis='tensor'"):
        Backbone.get_layout_map(_mesh(), model_axis="tensor")


@pytest.fixture(scope="module")
def sharded_steps():
    if keras.backend.backend() != "jax":
        pytest.skip(
            "keras.distribution shards training only on the JAX backend; "
            "TensorFlow and PyTorch users distribute with tf.distribute and "
            "torch's DistributedDataParallel (see the distributed training guide)"
        )
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": "cpu",
        # The steps are tiny: LLVM's optimisations would cost more compile
        # time than they save, and both sides of each comparison share them.
        "XLA_FLAGS": "--xla_force_host_platform_device_count=4 "
        "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true",
    }
    done = subprocess.run(
        [sys.executable, str(WORKER)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("way", SHARDED_WAYS)
@pytest.mark.parametrize("family", FAMILIES)
def test_a_sharded_training_step_equals_the_single_device_one(
    sharded_steps, family, way
):
    step = sharded_steps[family][way]
    # The step really ran on the 4 devices, with the kernel split or not.
    assert step["layout"]["devices"] == 4
    expected_spec = [None, "model"] if way == "model_parallel" else [None, None]
    assert step["layout"]["spec"] == expected_spec
    # Same loss and same updated weights up to float32 round-off (the
    # sums are split and reordered across devices), while the step did
    # move the weights.
    assert step["loss_difference"] <= 1e-5 * abs(
        sharded_steps[family]["single"]["loss"]
    )
    assert step["weight_difference"] <= 1e-6
    assert step["weight_change"] > 1e-3
