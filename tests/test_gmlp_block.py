import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_reference as ref
from keras_mlpmix.layers import SpatialGatingUnit, gMLPBlock


def _np(x):
    return keras.ops.convert_to_numpy(x)


block_shapes = st.tuples(
    st.integers(1, 3), st.integers(1, 10), st.integers(2, 12), st.integers(1, 8)
)


@given(block_shapes, st.booleans())
def test_block_matches_the_papers_equation_in_float64(shape, approximate):
    batch, tokens, channels, half_ffn = shape
    block = gMLPBlock(2 * half_ffn, approximate_gelu=approximate)
    x = np.random.default_rng(0).standard_normal((batch, tokens, channels))
    block.build(x.shape)
    # Replace the near-identity gate (and the zero biases) by random weights
    # so the check sees them.
    ref.randomise(block, seed=1)
    out = _np(block(x.astype("float32")))
    expected = ref.gmlp_block(x, ref.weights_of(block), 1e-6, 1e-5, approximate)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size", [4, 16])
def test_spatial_bias_stays_on_the_patch_axis_when_sizes_coincide(size):
    # As many patches as gate channels: the (patches, 1) bias of the spatial
    # projection must not be taken for a channel bias.
    gate = SpatialGatingUnit()
    z = np.random.default_rng(6).standard_normal((2, size, 2 * size))
    gate.build(z.shape)
    ref.randomise(gate, seed=7)
    out = _np(gate(z.astype("float32")))
    expected = ref.spatial_gating(z, ref.weights_of(gate), 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@given(block_shapes)
def test_fresh_block_is_close_to_its_residual_path_with_an_identity_gate(shape):
    # With W ~ 0 and b = 1 the gate passes Z1 through: the block is x + MLP(x)
    # on the first half of the hidden units.
    batch, tokens, channels, half_ffn = shape
    block = gMLPBlock(2 * half_ffn)
    x = np.random.default_rng(2).standard_normal((batch, tokens, channels))
    out = _np(block(x.astype("float32")))
    w = ref.weights_of(block)
    y = ref.layer_norm(x, w["norm/gamma"], w["norm/beta"], 1e-6)
    hidden = ref.gelu(y @ w["mlp/fc1/kernel"] + w["mlp/fc1/bias"])[..., :half_ffn]
    expected = x + hidden @ w["mlp/fc2/kernel"] + w["mlp/fc2/bias"]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_gate_starts_near_zero_weights_and_unit_bias():
    gate = SpatialGatingUnit()
    gate.build((1, 49, 16))
    assert np.abs(_np(gate.kernel)).max() < 1e-4
    np.testing.assert_array_equal(_np(gate.bias).ravel(), np.ones(49))


def test_gate_halves_the_channels_and_mixes_only_across_patches():
    gate = SpatialGatingUnit(kernel_initializer="identity", bias_initializer="zeros")
    z = np.random.default_rng(3).standard_normal((2, 5, 6)).astype("float32")
    out = _np(gate(z))
    z2 = ref.layer_norm(z[..., 3:], 1.0, 0.0, 1e-5)
    np.testing.assert_allclose(out, z[..., :3] * z2, rtol=1e-4, atol=1e-5)


def test_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"`ffn_dim` must be even.*ffn_dim=7"):
        gMLPBlock(7)
    with pytest.raises(ValueError, match=r"gate_layer_norm_epsilon"):
        gMLPBlock(8, gate_layer_norm_epsilon=0.0)
    with pytest.raises(ValueError, match=r"number must be even.*\(1, 4, 5\)"):
        SpatialGatingUnit()(np.zeros((1, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"known patch dimension"):
        gMLPBlock(8)(keras.Input((None, 4)))
    block = gMLPBlock(8)
    block(np.zeros((1, 4, 6), "float32"))
    with pytest.raises(
        ValueError, match=r"expected axis 1 of input shape to have value 4"
    ):
        block(np.zeros((1, 9, 6), "float32"))
