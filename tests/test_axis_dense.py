import keras
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import numpy_reference as ref
from keras_mlpmix.layers.axis_dense import AxisDense


@given(st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.integers(1, 6))
def test_bias_goes_along_its_own_axis_whatever_the_sizes(
    batch, tokens, channels, units
):
    # Token mixing: the (units, 1) bias lies along axis 1, also when units
    # equals the number of channels.
    layer = AxisDense("abc,bz->azc", output_shape=(units, channels), bias_axes="z")
    x = np.random.default_rng(0).standard_normal((batch, tokens, channels))
    layer.build(x.shape)
    ref.randomise(layer)
    w = ref.weights_of(layer)
    expected = np.einsum("abc,bz->azc", x, w["kernel"]) + w["bias"][None]
    out = keras.ops.convert_to_numpy(layer(x.astype("float32")))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_applies_its_activation_after_the_bias():
    layer = AxisDense(
        "abc,bz->azc",
        output_shape=(2, 2),
        bias_axes="z",
        activation="relu",
        kernel_initializer="zeros",
    )
    layer.build((None, 2, 2))
    layer.bias.assign(np.array([[-1.0], [2.0]], "float32"))
    out = keras.ops.convert_to_numpy(layer(np.zeros((1, 2, 2), "float32")))
    np.testing.assert_array_equal(out[0], [[0.0, 0.0], [2.0, 2.0]])
