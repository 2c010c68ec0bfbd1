import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.layers import Patches, PatchesToImage


def numpy_patches(images, ph, pw):
    """Reference: loop over the grid, flatten each patch in (row, col, channel) order."""
    batch, height, width, _ = images.shape
    rows = [
        images[:, i : i + ph, j : j + pw, :].reshape(batch, -1)
        for i in range(0, height, ph)
        for j in range(0, width, pw)
    ]
    return np.stack(rows, axis=1)


geometry = st.tuples(
    st.integers(1, 3),  # batch
    st.integers(1, 4),  # grid rows
    st.integers(1, 4),  # grid columns
    st.integers(1, 5),  # patch height
    st.integers(1, 5),  # patch width
    st.integers(1, 4),  # channels
)


@given(geometry)
def test_patches_match_a_loop_over_the_grid_and_invert_exactly(shape):
    batch, rows, cols, ph, pw, channels = shape
    images = np.random.default_rng(0).random(
        (batch, rows * ph, cols * pw, channels), "float32"
    )
    layer = Patches((ph, pw))
    patches = keras.ops.convert_to_numpy(layer(images))
    assert patches.shape == layer.compute_output_shape(images.shape)
    np.testing.assert_array_equal(patches, numpy_patches(images, ph, pw))
    restored = PatchesToImage((rows * ph, cols * pw), (ph, pw))(patches)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored), images)


@given(geometry)
def test_channels_first_gives_the_same_patches(shape):
    batch, rows, cols, ph, pw, channels = shape
    images = np.random.default_rng(1).random(
        (batch, rows * ph, cols * pw, channels), "float32"
    )
    channels_first = np.transpose(images, (0, 3, 1, 2))
    expected = keras.ops.convert_to_numpy(Patches((ph, pw))(images))
    patches = Patches((ph, pw), data_format="channels_first")(channels_first)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(patches), expected)
    restored = PatchesToImage(
        (rows * ph, cols * pw), (ph, pw), data_format="channels_first"
    )(patches)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(restored), channels_first)


@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 6))
def test_dense_on_patches_equals_the_strided_convolution_stem(patch, grid, filters):
    # The checkpoints' stem is a conv with kernel = stride = patch size; with
    # Patches' (row, column, channel) order its kernel reshapes to a Dense kernel.
    rng = np.random.default_rng(2)
    images = rng.random((2, grid * patch, grid * patch, 3), "float32")
    kernel = rng.standard_normal((patch, patch, 3, filters)).astype("float32")
    conv = keras.ops.conv(images, kernel, strides=patch, padding="valid")
    conv = keras.ops.reshape(conv, (2, grid * grid, filters))
    dense = keras.ops.matmul(Patches(patch)(images), kernel.reshape(-1, filters))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(dense),
        keras.ops.convert_to_numpy(conv),
        rtol=1e-5,
        atol=1e-5,
    )


def test_patches_have_the_order_of_extract_patches():
    images = np.random.default_rng(3).random((2, 12, 8, 3), "float32")
    reference = keras.ops.image.extract_patches(images, 4)  # (B, rows, cols, 48)
    reference = keras.ops.reshape(reference, (2, 6, 48))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(Patches(4)(images)),
        keras.ops.convert_to_numpy(reference),
    )


def test_patches_accept_unknown_image_size_in_a_functional_model():
    inputs = keras.Input(shape=(None, None, 3))
    model = keras.Model(inputs, Patches(4)(inputs))
    assert model.output_shape == (None, None, 48)
    out = model(np.zeros((1, 8, 12, 3), "float32"))
    assert tuple(out.shape) == (1, 6, 48)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"patch_size": 0},
            ValueError,
            r"patch_size.*positive integer.*Received: patch_size=0",
        ),
        ({"patch_size": -2}, ValueError, r"Received: patch_size=-2"),
        ({"patch_size": 2.5}, TypeError, r"patch_size.*Received: patch_size=2.5"),
        ({"patch_size": True}, TypeError, r"patch_size.*bool"),
        ({"patch_size": (2, 2, 2)}, ValueError, r"pair of ints.*\(2, 2, 2\)"),
        ({"patch_size": 2, "data_format": "NHWC"}, ValueError, r"data_format.*'NHWC'"),
    ],
)
def test_patches_reject_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Patches(**kwargs)


def test_patches_reject_images_not_divisible_by_the_patch_size():
    with pytest.raises(
        ValueError, match=r"height must be a multiple.*30.*patch_size=\(16, 16\)"
    ):
        Patches(16)(np.zeros((1, 30, 32, 3), "float32"))
    with pytest.raises(ValueError, match=r"width must be a multiple"):
        Patches((2, 3))(np.zeros((1, 4, 4, 3), "float32"))


def test_patches_reject_inputs_that_are_not_images():
    with pytest.raises(ValueError, match=r"rank 4.*Received: input_shape=\(2, 16, 3\)"):
        Patches(4)(np.zeros((2, 16, 3), "float32"))


def test_patches_to_image_rejects_mismatched_inputs():
    with pytest.raises(
        ValueError, match=r"image height must be a multiple.*image_size=\(10, 8\)"
    ):
        PatchesToImage(image_size=(10, 8), patch_size=4)
    with pytest.raises(ValueError, match=r"expects 4 patches.*\(1, 5, 48\)"):
        PatchesToImage(image_size=8, patch_size=4)(np.zeros((1, 5, 48), "float32"))
    with pytest.raises(ValueError, match=r"ph \* pw \* channels = 16"):
        PatchesToImage(image_size=8, patch_size=4)(np.zeros((1, 4, 50), "float32"))
