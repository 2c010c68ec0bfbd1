import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from keras_mlpmix.layers import PositionEmbedding


@given(st.integers(1, 3), st.integers(1, 20), st.integers(1, 16))
def test_adds_the_same_table_to_every_sample(batch, num_patches, channels):
    layer = PositionEmbedding(num_patches)
    x = (
        np.random.default_rng(0)
        .standard_normal((batch, num_patches, channels))
        .astype("float32")
    )
    out = keras.ops.convert_to_numpy(layer(x))
    table = keras.ops.convert_to_numpy(layer.embedding)
    assert table.shape == (num_patches, channels)
    np.testing.assert_allclose(out - x, np.broadcast_to(table, x.shape), atol=1e-6)


def test_initializer_is_configurable_and_serialised():
    layer = PositionEmbedding(4, initializer="ones")
    out = layer(np.zeros((1, 4, 3), "float32"))
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(out), np.ones((1, 4, 3)))
    clone = PositionEmbedding.from_config(layer.get_config())
    clone.build((1, 4, 3))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(clone.embedding), np.ones((4, 3))
    )


def test_rejects_another_number_of_patches():
    with pytest.raises(
        ValueError, match=r"num_patches=64 but received inputs with 49 patches"
    ):
        PositionEmbedding(64)(np.zeros((1, 49, 8), "float32"))


@pytest.mark.parametrize(
    "value, error",
    [(0, ValueError), (-3, ValueError), (None, TypeError), ("64", TypeError)],
)
def test_rejects_bad_num_patches(value, error):
    with pytest.raises(error, match=r"num_patches"):
        PositionEmbedding(value)
