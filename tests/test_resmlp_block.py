import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import numpy_reference as ref
from keras_mlpmix.layers import Affine, ResMLPBlock
from keras_mlpmix.models import ImageClassifier, ResMLPBackbone


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


block_shapes = st.tuples(
    st.integers(1, 3), st.integers(1, 10), st.integers(1, 12), st.integers(1, 16)
)


@given(block_shapes, st.booleans())
def test_block_matches_the_papers_equation_in_float64(shape, approximate):
    batch, tokens, channels, hidden = shape
    block = ResMLPBlock(hidden, layer_scale_init=0.5, approximate_gelu=approximate)
    x = np.random.default_rng(0).standard_normal((batch, tokens, channels))
    block.build(x.shape)
    ref.randomise(block, seed=1)  # LayerScales, Affines and biases included
    out = _np(block(x.astype("float32")))
    expected = ref.resmlp_block(x, ref.weights_of(block), approximate)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("size", [4, 16])
def test_token_bias_stays_on_the_patch_axis_when_sizes_coincide(size):
    block = ResMLPBlock(8, layer_scale_init=1.0)
    x = np.random.default_rng(6).standard_normal((2, size, size))
    block.build(x.shape)
    ref.randomise(block, seed=7)
    out = _np(block(x.astype("float32")))
    np.testing.assert_allclose(
        out, ref.resmlp_block(x, ref.weights_of(block)), rtol=1e-4, atol=1e-4
    )


@given(block_shapes, st.sampled_from([1e-4, 1e-5, 1e-6]))
def test_a_fresh_block_is_close_to_the_identity_by_its_layer_scale(shape, scale):
    batch, tokens, channels, hidden = shape
    block = ResMLPBlock(hidden, layer_scale_init=scale)
    x = np.random.default_rng(2).standard_normal((batch, tokens, channels))
    out = _np(block(x.astype("float32")))
    # Each branch is scaled by `scale`; its values stay below ~50 here.
    assert np.abs(out - x).max() <= 100 * scale
    np.testing.assert_array_equal(
        _np(block.token_scale), np.full(channels, scale, "float32")
    )


def test_a_fresh_affine_is_the_identity_and_keeps_no_statistics():
    layer = Affine()
    x = np.random.default_rng(3).standard_normal((2, 5, 4)).astype("float32")
    np.testing.assert_array_equal(_np(layer(x)), x)
    layer.alpha.assign([1.0, 2.0, 3.0, 4.0])
    layer.beta.assign([0.5, 0.0, -0.5, 1.0])
    expected = x * np.array([1, 2, 3, 4]) + np.array([0.5, 0, -0.5, 1])
    np.testing.assert_allclose(_np(layer(x)), expected, rtol=1e-6)
    np.testing.assert_allclose(_np(layer(x, training=True)), expected, rtol=1e-6)


def test_the_backbone_ends_with_an_affine_and_its_presets_use_timms_layer_scales():
    backbone = ResMLPBackbone(image_size=16, patch_size=4, hidden_dim=8, num_blocks=2)
    assert isinstance(backbone.get_layer("norm"), Affine)
    for name, scale in (
        ("resmlp_12_224", 1e-4),
        ("resmlp_24_224", 1e-5),
        ("resmlp_36_224", 1e-6),
        ("resmlp_big_24_224", 1e-6),
    ):
        with keras.StatelessScope(initialize_variables=False):
            model = ImageClassifier.from_preset(name, weights=False)
            assert model.backbone.layer_scale_init == scale
            assert model.backbone.get_layer("block_0").layer_scale_init == scale
        keras.backend.clear_session(free_memory=False)


def test_rejects_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"channels_mlp_dim.*=0"):
        ResMLPBlock(0)
    with pytest.raises(TypeError, match=r"layer_scale_init.*'small'"):
        ResMLPBlock(layer_scale_init="small")
    with pytest.raises(ValueError, match=r"layer_scale_init.*finite.*nan"):
        ResMLPBlock(layer_scale_init=float("nan"))
    with pytest.raises(ValueError, match=r"known patch dimension"):
        ResMLPBlock(8)(keras.Input((None, 4)))
    block = ResMLPBlock(8)
    block(np.zeros((1, 4, 6), "float32"))
    with pytest.raises(
        ValueError, match=r"expected axis 1 of input shape to have value 4"
    ):
        block(np.zeros((1, 9, 6), "float32"))
