"""RandomZoomRotation: the training augmentation's resampling layer."""

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.training import RandomZoomRotation
from layer_harness import run_layer_test


def _np(x):
    return keras.ops.convert_to_numpy(x)


def test_layer_battery(tmp_path):
    run_layer_test(
        RandomZoomRotation,
        {"rotation_factor": 0.1, "zoom_factor": 0.3, "seed": 3},
        input_shape=(2, 8, 6, 3),
        expected_output_shape=(2, 8, 6, 3),
        tmp_path=tmp_path,
        expected_num_trainable_weights=0,
        check_gradients=False,
    )


@given(st.integers(0, 2**16))
def test_zero_factors_are_the_identity_in_training(seed):
    images = np.random.default_rng(seed).random((2, 5, 7, 2), "float32")
    layer = RandomZoomRotation(rotation_factor=0.0, zoom_factor=0.0, seed=seed)
    np.testing.assert_allclose(_np(layer(images, training=True)), images, atol=1e-5)


@given(st.floats(0.0, 0.5), st.floats(0.0, 0.9), st.integers(0, 2**16))
def test_outputs_mix_input_pixels_and_keep_constant_images(rotation, zoom, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (3, 10, 12, 3)).astype("uint8")
    layer = RandomZoomRotation(rotation, zoom, seed=seed)
    outputs = _np(layer(images, training=True))
    assert outputs.dtype == np.float32
    # Bilinear weights are convex: each output channel lies within the range
    # of its image's channel; a constant image stays constant.
    low = images.min(axis=(1, 2), keepdims=True) - 1e-3
    high = images.max(axis=(1, 2), keepdims=True) + 1e-3
    assert np.all((outputs >= low) & (outputs <= high))
    flat = np.full((2, 7, 7, 3), 42.0, "float32")
    np.testing.assert_allclose(_np(layer(flat, training=True)), flat, rtol=1e-6)


def test_transforms_each_image_differently_in_training_only():
    images = np.random.default_rng(0).random((4, 16, 16, 3), "float32")
    layer = RandomZoomRotation(0.1, 0.3, seed=0)
    outputs = _np(layer(images, training=True))
    changed = np.abs(outputs - images).mean(axis=(1, 2, 3))
    assert np.all(changed > 1e-3)
    assert len(np.unique(np.round(changed, 6))) == 4
    np.testing.assert_array_equal(_np(layer(images)), images)


def test_a_half_turn_is_a_point_reflection():
    # With zoom 0 the only rotation angles near +-pi flip rows and columns;
    # rotation_factor 0.5 draws angles in [-pi, pi], so check the sampling
    # grid instead through a pure 180-degree case built by hand: a layer whose
    # random draws are forced to their upper bound.
    images = np.arange(2 * 5 * 5 * 1, dtype="float32").reshape(2, 5, 5, 1)
    layer = RandomZoomRotation(0.5, 0.0, seed=0)
    layer._uniform = lambda batch, limit: keras.ops.full((batch, 1, 1), limit)
    outputs = _np(layer(images, training=True))
    np.testing.assert_allclose(outputs, images[:, ::-1, ::-1], atol=1e-3)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rotation_factor": 1.5}, "rotation_factor"),
        ({"zoom_factor": -0.1}, "zoom_factor"),
        ({"zoom_factor": "big"}, "zoom_factor"),
    ],
)
def test_invalid_arguments_are_named(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        RandomZoomRotation(**kwargs)
