"""Every exported layer through the same batteries: ours and Keras's own.

`layer_harness.run_layer_test` checks shapes, config and `.keras` round
trips, compiled execution, mixed precision and gradients against this
library's promises; Keras's `run_layer_test` (keras.src.testing, the
battery Keras's own layers pass) checks its conventions: building,
symbolic calls, serialisation, training, masking and mixed precision.
"""

import keras
import pytest
from keras.src.testing import TestCase

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
    (layers.Affine, {}, (2, 6, 8), (2, 6, 8), 2),
    (layers.ResMLPBlock, {"layer_scale_init": 0.1}, (2, 6, 8), (2, 6, 8), 12),
    (
        layers.ResMLPBlock,
        {"channels_mlp_dim": 12, "dropout_rate": 0.1, "drop_path_rate": 0.1},
        (2, 6, 8),
        (2, 6, 8),
        12,
    ),
]
# Layers without weights are built when created, as Keras's stateless ones.
STATELESS = (layers.DropPath, layers.HashDropout)


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


@pytest.mark.parametrize(
    "layer_cls, kwargs, input_shape, output_shape, num_weights",
    CASES,
    ids=[f"{case[0].__name__}-{i}" for i, case in enumerate(CASES)],
)
def test_keras_layer_battery(layer_cls, kwargs, input_shape, output_shape, num_weights):
    TestCase("run_layer_test").run_layer_test(
        layer_cls,
        init_kwargs=kwargs,
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=num_weights,
        expected_num_non_trainable_weights=0,
        supports_masking=False,
        assert_built_after_instantiation=layer_cls in STATELESS,
    )


def test_every_exported_layer_is_in_the_battery():
    exported = {getattr(layers, name) for name in layers.__all__}
    assert exported == {case[0] for case in CASES}


@pytest.mark.parametrize("name", layers.__all__)
def test_layers_are_registered_under_the_package_name(name):
    layer_cls = getattr(layers, name)
    assert keras.saving.get_registered_name(layer_cls) == f"keras_mlpmix>{name}"
    assert getattr(keras_mlpmix, name) is layer_cls
