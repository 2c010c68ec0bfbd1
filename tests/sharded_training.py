"""One training step of each family, sharded over several devices and not.

`tests/test_distribution.py` runs this file in a subprocess with
`KERAS_BACKEND=jax` and `XLA_FLAGS=--xla_force_host_platform_device_count=4`
(the flag must be set before JAX is first imported, so it cannot be set in
the test process). For each family it takes one SGD step from the same
weights on the same batch three ways: on one device, data parallel over 4
devices (`keras.distribution.DataParallel`) and on a 2 x 2 mesh with the
MLPs split by `Backbone.get_layout_map` (`keras.distribution.ModelParallel`).
It prints one JSON object: per family and way, the loss, the largest
difference of the updated weights from the single-device ones, and how the
first channel-MLP kernel was laid out over the devices.
"""

import json

import keras
import numpy as np

from keras_mlpmix import Backbone, ImageClassifier

DEVICES = 4
PRESETS = {
    "mixer": ("mixer_cifar100", {"tokens_mlp_dim": 8, "channels_mlp_dim": 32}),
    "gmlp": ("gmlp_cifar100", {"ffn_dim": 32}),
    "fnet": ("fnet_cifar100", {"ffn_dim": 32}),
    "resmlp": ("resmlp_cifar100", {"channels_mlp_dim": 32}),
}
# The variable whose layout each step reports: the first channel MLP's kernel.
PROBE = {
    "mixer": "block_0/channel_mlp/fc1/kernel",
    "gmlp": "block_0/mlp/fc1/kernel",
    "fnet": "block_0/mlp/fc1/kernel",
    "resmlp": "block_0/mlp/fc1/kernel",
}


def build(family):
    preset, overrides = PRESETS[family]
    return ImageClassifier.from_preset(
        preset,
        num_classes=10,
        image_size=16,
        patch_size=4,
        hidden_dim=16,
        num_blocks=1,
        **overrides,
    )


def train_step(family, weights, images, labels):
    """Builds the model (under the distribution in scope), takes one step."""
    keras.utils.set_random_seed(1)  # The same dropout seeds every time.
    model = build(family)
    model.set_weights(weights)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    loss = float(model.train_on_batch(images, labels))
    probe = next(v for v in model.weights if v.path == PROBE[family])
    sharding = probe.value.sharding
    layout = {
        "spec": [axis for axis in sharding.spec] if hasattr(sharding, "spec") else None,
        "devices": len(sharding.device_set),
    }
    return loss, model.get_weights(), layout


def main():
    devices = keras.distribution.list_devices()
    assert len(devices) == DEVICES, f"expected {DEVICES} devices, found {devices}"
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (8, 16, 16, 3)).astype("float32")
    labels = rng.integers(0, 10, 8)
    data_parallel = keras.distribution.DataParallel(devices=devices)
    mesh = keras.distribution.DeviceMesh((2, 2), ("batch", "model"), devices)
    model_parallel = keras.distribution.ModelParallel(
        layout_map=Backbone.get_layout_map(mesh), batch_dim_name="batch"
    )

    results = {}
    for family in PRESETS:
        keras.utils.set_random_seed(0)
        initial = build(family).get_weights()
        loss, weights, layout = train_step(family, initial, images, labels)
        results[family] = {"single": {"loss": loss, "layout": layout}}
        for name, distribution in (
            ("data_parallel", data_parallel),
            ("model_parallel", model_parallel),
        ):
            with distribution.scope():
                sharded_loss, sharded_weights, layout = train_step(
                    family, initial, images, labels
                )
            results[family][name] = {
                "loss": sharded_loss,
                "loss_difference": abs(sharded_loss - loss),
                "weight_difference": max(
                    float(np.abs(a - b).max())
                    for a, b in zip(sharded_weights, weights, strict=True)
                ),
                "weight_change": max(
                    float(np.abs(a - b).max())
                    for a, b in zip(sharded_weights, initial, strict=True)
                ),
                "layout": layout,
            }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
