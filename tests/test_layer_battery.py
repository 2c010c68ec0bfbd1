"""Every exported layer through the same battery of checks (see layer_harness)."""

import keras
import pytest

import keras_mlpmix
from keras_mlpmix import layers
from layer_harness import run_layer_test

# (layer class, constructor arguments, input shape, output shape, trainable weights)
CASES = [
    (layers.Patches, {"patch_size": 4}, (2, 16, 12, 3), (2, 12, 48), 0),
    (layers.Patches, {"patch_size": (4, 2)}, (2, 8, 6, 5), (2, 6, 40), 0),
    (
        layers.PatchesToImage,
        {"image_size": (16, 12), "patch_size": 4},
        (2, 12, 48),
        (2, 16, 12, 3),
        0,
    ),
    (layers.PositionEmbedding, {"num_patches": 12}, (2, 12, 8), (2, 12, 8), 1),
    (layers.MLP, {"hidden_dim": 16}, (2, 6, 8), (2, 6, 8), 4),
    (
        layers.MLP,
        {"hidden_dim": 16, "output_dim": 5, "axis": 1},
        (2, 6, 8),
        (2, 5, 8),
        4,
    ),
    (
        layers.AxisDense,
        {"equation": "abc,bz->azc", "output_shape": (5, 8), "bias_axes": "z"},
        (2, 6, 8),
        (2, 5, 8),
        2,
    ),
    (layers.DropPath, {"rate": 0.25, "seed": 3}, (4, 6, 8), (4, 6, 8), 0),
    (layers.HashDropout, {"rate": 0.3, "seed": 2}, (4, 6, 8), (4, 6, 8), 0),
    (
        layers.HashDropout,
        {"rate": 0.5, "noise_shape": (None, 1, 8)},
        (4, 6, 8),
        (4, 6, 8),
        0,
    ),
    (
        layers.MixerBlock,
        {"tokens_mlp_dim": 4, "channels_mlp_dim": 32},
        (2, 6, 8),
        (2, 6, 8),
        12,
    ),
    (
        layers.MixerBlock,
        {"tokens_mlp_dim": 4, "channels_mlp_dim": 16, "approximate_gelu": True},
        (2, 6, 8),
        (2, 6, 8),
        12,
    ),
    (layers.FourierMixing, {}, (2, 6, 8), (2, 6, 8), 0),
    (layers.FNetBlock, {"ffn_dim": 16}, (2, 6, 8), (2, 6, 8), 8),
    (layers.SpatialGatingUnit, {}, (2, 6, 8), (2, 6, 4), 4),
    (layers.gMLPBlock, {"ffn_dim": 16}, (2, 6, 8), (2, 6, 8), 10),
]


@pytest.mark.parametrize(
    "layer_cls, kwargs, input_shape, output_shape, num_weights",
    CASES,
    ids=[f"{case[0].__name__}-{i}" for i, case in enumerate(CASES)],
)
def test_layer_battery(
    layer_cls, kwargs, input_shape, output_shape, num_weights, tmp_path
):
    run_layer_test(
        layer_cls,
        kwargs,
        input_shape,
        output_shape,
        tmp_path,
        expected_num_trainable_weights=num_weights,
    )


def test_every_exported_layer_is_in_the_battery():
    exported = {getattr(layers, name) for name in layers.__all__}
    assert exported == {case[0] for case in CASES}


@pytest.mark.parametrize("name", layers.__all__)
def test_layers_are_registered_under_the_package_name(name):
    layer_cls = getattr(layers, name)
    assert keras.saving.get_registered_name(layer_cls) == f"keras_mlpmix>{name}"
    assert getattr(keras_mlpmix, name) is layer_cls
