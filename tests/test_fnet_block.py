import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_reference as ref
from keras_mlpmix.layers import FNetBlock, FourierMixing
from keras_mlpmix.layers.fourier_mixing import real_fft2


def _np(x):
    return keras.ops.convert_to_numpy(keras.ops.cast(x, "float32"))


token_shapes = st.tuples(st.integers(1, 3), st.integers(1, 17), st.integers(1, 17))


@given(token_shapes)
def test_fourier_mixing_is_the_real_part_of_numpys_fft2(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    out = _np(FourierMixing()(x.astype("float32")))
    expected = np.fft.fft2(x).real  # float64 reference over the last two axes
    np.testing.assert_allclose(
        out, expected, rtol=1e-4, atol=1e-4 * np.sqrt(shape[1] * shape[2])
    )


@given(token_shapes)
def test_real_fft2_by_half_spectrum_equals_numpys_fft2(shape):
    # The route FourierMixing takes on JAX and TensorFlow, checked everywhere.
    x = np.random.default_rng(4).standard_normal(shape)
    out = _np(real_fft2(keras.ops.convert_to_tensor(x, "float32")))
    np.testing.assert_allclose(
        out, np.fft.fft2(x).real, rtol=1e-4, atol=1e-4 * np.sqrt(shape[1] * shape[2])
    )


@given(token_shapes, st.floats(-3, 3), st.floats(-3, 3))
def test_fourier_mixing_is_linear(shape, a, b):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, *shape)).astype("float32")
    layer = FourierMixing()
    combined = _np(layer(a * x + b * y))
    separate = a * _np(layer(x)) + b * _np(layer(y))
    np.testing.assert_allclose(combined, separate, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize(
    "policy", ["mixed_float16", "mixed_bfloat16", "bfloat16", "float16"]
)
def test_fourier_mixing_runs_under_half_precision_policies(policy):
    x = np.random.default_rng(2).standard_normal((2, 8, 16)).astype("float32")
    out = FourierMixing(dtype=policy)(x)
    assert (
        keras.backend.standardize_dtype(out.dtype)
        == keras.DTypePolicy(policy).compute_dtype
    )
    tolerance = 0.1 if "bfloat16" in policy else 0.02
    np.testing.assert_allclose(
        _np(out), np.fft.fft2(x).real, rtol=tolerance, atol=tolerance * 4
    )


@given(token_shapes.filter(lambda s: s[2] > 1), st.integers(1, 16), st.booleans())
def test_block_matches_the_papers_equation_in_float64(shape, ffn_dim, approximate):
    block = FNetBlock(ffn_dim, approximate_gelu=approximate, layer_norm_epsilon=1e-6)
    x = np.random.default_rng(3).standard_normal(shape)
    out = _np(block(x.astype("float32")))
    expected = ref.fnet_block(x, ref.weights_of(block), 1e-6, approximate)
    np.testing.assert_allclose(out, expected, rtol=1e-3, atol=1e-3)


def test_block_is_not_tied_to_the_number_of_patches():
    block = FNetBlock(16)
    assert tuple(block(np.ones((1, 9, 8), "float32")).shape) == (1, 9, 8)
    assert tuple(block(np.ones((1, 25, 8), "float32")).shape) == (1, 25, 8)


def test_block_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"ffn_dim.*Received: ffn_dim=0"):
        FNetBlock(0)
    with pytest.raises(ValueError, match=r"layer_norm_epsilon.*-1e-12"):
        FNetBlock(8, layer_norm_epsilon=-1e-12)
    with pytest.raises(ValueError, match=r"FNetBlock expects inputs of rank 3"):
        FNetBlock(8)(np.zeros((2, 8), "float32"))
    with pytest.raises(ValueError, match=r"FourierMixing expects inputs of rank 3"):
        FourierMixing()(np.zeros((2, 8), "float32"))
