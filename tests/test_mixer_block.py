import keras
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import numpy_reference as ref
from keras_mlpmix.layers import MixerBlock


def _np(x):
    return keras.ops.convert_to_numpy(x)


block_shapes = st.tuples(
    st.integers(1, 3),
    st.integers(2, 10),
    st.integers(2, 12),
    st.integers(1, 8),
    st.integers(1, 16),
)


@given(block_shapes, st.booleans())
def test_matches_the_papers_equation_in_float64(shape, approximate):
    batch, tokens, channels, tokens_dim, channels_dim = shape
    block = MixerBlock(tokens_dim, channels_dim, approximate_gelu=approximate)
    x = np.random.default_rng(0).standard_normal((batch, tokens, channels))
    block.build(x.shape)
    ref.randomise(block)
    out = _np(block(x.astype("float32")))
    expected = ref.mixer_block(x, ref.weights_of(block), 1e-6, approximate)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size", [4, 16])
def test_token_biases_stay_on_the_token_axis_when_sizes_coincide(size):
    # As many patches as channels and token-MLP units: a bias of shape
    # (tokens, 1) must not be taken for a channel bias.
    block = MixerBlock(tokens_mlp_dim=size, channels_mlp_dim=8)
    x = np.random.default_rng(4).standard_normal((2, size, size))
    block.build(x.shape)
    ref.randomise(block, seed=5)
    out = _np(block(x.astype("float32")))
    expected = ref.mixer_block(x, ref.weights_of(block), 1e-6)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@given(block_shapes, st.data())
def test_channel_mixing_commutes_with_patch_permutations_token_mixing_does_not(
    shape, data
):
    batch, tokens, channels, tokens_dim, channels_dim = shape
    block = MixerBlock(tokens_dim, channels_dim)
    x = (
        np.random.default_rng(1)
        .standard_normal((batch, tokens, channels))
        .astype("float32")
    )
    block.build(x.shape)
    perm = data.draw(st.permutations(range(tokens)))
    assume(perm != sorted(perm))

    def channel_half(y):
        return _np(block.channel_mlp(block.channel_norm(y)))

    def token_half(y):
        return _np(block.token_mlp(block.token_norm(y)))

    np.testing.assert_allclose(
        channel_half(x[:, perm]), channel_half(x)[:, perm], rtol=1e-5, atol=1e-5
    )
    assert not np.allclose(
        token_half(x[:, perm]), token_half(x)[:, perm], rtol=1e-3, atol=1e-3
    )


def test_token_mlp_is_tied_to_the_number_of_patches():
    block = MixerBlock(4, 8)
    block(np.zeros((1, 6, 8), "float32"))
    with pytest.raises(
        ValueError, match=r"expected axis 1 of input shape to have value 6"
    ):
        block(np.zeros((1, 7, 8), "float32"))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (
            {"tokens_mlp_dim": 0, "channels_mlp_dim": 4},
            ValueError,
            r"tokens_mlp_dim.*=0",
        ),
        (
            {"tokens_mlp_dim": 4, "channels_mlp_dim": None},
            TypeError,
            r"channels_mlp_dim.*None",
        ),
        (
            {"tokens_mlp_dim": 4, "channels_mlp_dim": 4, "dropout_rate": 2},
            ValueError,
            r"dropout_rate.*=2",
        ),
        (
            {"tokens_mlp_dim": 4, "channels_mlp_dim": 4, "drop_path_rate": -1},
            ValueError,
            r"drop_path_rate",
        ),
        (
            {"tokens_mlp_dim": 4, "channels_mlp_dim": 4, "layer_norm_epsilon": 0},
            ValueError,
            r"layer_norm_epsilon.*=0",
        ),
    ],
)
def test_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MixerBlock(**kwargs)


def test_rejects_inputs_that_are_not_token_sequences():
    with pytest.raises(
        ValueError, match=r"MixerBlock expects inputs of rank 3.*\(2, 4, 4, 8\)"
    ):
        MixerBlock(4, 4)(np.zeros((2, 4, 4, 8), "float32"))
    with pytest.raises(ValueError, match=r"known patch dimension"):
        MixerBlock(4, 4)(keras.Input((None, 8)))
