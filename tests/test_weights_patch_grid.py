"""Resizing patch-tied weights to another patch grid: laws and the model-level path."""

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from checkpoint_layouts import LAYOUTS, Sizes, write
from keras_mlpmix.layers import MLP
from keras_mlpmix.models import ImageClassifier, MLPMixerBackbone, gMLPBackbone
from keras_mlpmix.weights import load_checkpoint
from keras_mlpmix.weights.patch_grid import (
    PatchAxes,
    interpolation_matrix,
    resize,
    square_grid,
)

sizes_1d = st.integers(1, 9)
grids = st.tuples(st.integers(1, 5), st.integers(1, 5))


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


def _upsample(grid, target, x):
    """Interpolates `x` of shape (N, ...) from `grid` to `target` patches."""
    rows, cols = (
        interpolation_matrix(grid[0], target[0]),
        interpolation_matrix(grid[1], target[1]),
    )
    return np.einsum("ih,jw,hwr->ijr", rows, cols, x.reshape(*grid, -1)).reshape(
        -1, *x.shape[1:]
    )


@given(size=sizes_1d)
def test_interpolating_to_the_same_size_is_the_identity(size):
    np.testing.assert_array_equal(interpolation_matrix(size, size), np.eye(size))


@given(source=sizes_1d, target=sizes_1d)
def test_interpolation_preserves_constants(source, target):
    matrix = interpolation_matrix(source, target)
    assert matrix.shape == (target, source)
    assert (matrix >= 0).all()
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0, atol=1e-12)


@given(grid=grids, data=st.data())
def test_resizing_to_the_same_grid_is_the_identity(grid, data):
    n = grid[0] * grid[1]
    array = np.random.default_rng(0).standard_normal((n, 3, n))
    axes = data.draw(
        st.sampled_from([PatchAxes(outputs=(0,)), PatchAxes(inputs=(0,), outputs=(2,))])
    )
    np.testing.assert_allclose(resize(array, axes, grid, grid), array, atol=1e-12)


@given(grid=grids, target=grids, value=st.floats(-3, 3))
def test_a_constant_output_grid_stays_constant(grid, target, value):
    array = np.full((grid[0] * grid[1], 4), value)
    resized = resize(array, PatchAxes(outputs=(0,)), grid, target)
    assert resized.shape == (target[0] * target[1], 4)
    np.testing.assert_allclose(resized, value, atol=1e-12)


@given(
    grid=grids,
    scale=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    seed=st.integers(0, 99),
)
def test_input_weights_give_the_same_sum_over_an_upsampled_grid(grid, scale, seed):
    rng = np.random.default_rng(seed)
    target = (grid[0] * scale[0] + scale[0] // 2, grid[1] * scale[1])
    weights = rng.standard_normal((grid[0] * grid[1], 5))
    x = rng.standard_normal((grid[0] * grid[1], 7))
    resized = resize(weights, PatchAxes(inputs=(0,)), grid, target)
    # sum over patches of W'ᵀ (A x) == Wᵀ x
    np.testing.assert_allclose(
        resized.T @ _upsample(grid, target, x), weights.T @ x, atol=1e-9
    )


@pytest.mark.parametrize("grid, target", [((2, 3), (5, 6)), ((4, 4), (2, 3))])
def test_a_resized_token_mixing_mlp_commutes_with_upsampling(grid, target):
    """f'(A x) = A f(x) when the grid grows; least squares when it shrinks."""
    rng = np.random.default_rng(0)
    n, n_target = grid[0] * grid[1], target[0] * target[1]
    source = MLP(hidden_dim=6, axis=1)
    source.build((None, n, 4))
    for weight in source.weights:
        weight.assign(rng.standard_normal(weight.shape))
    resized = MLP(hidden_dim=6, axis=1)
    resized.build((None, n_target, 4))
    axes = {
        "fc1/kernel": PatchAxes(inputs=(0,)),
        "fc2/kernel": PatchAxes(outputs=(1,)),
        "fc2/bias": PatchAxes(outputs=(0,)),
    }
    for old, new in zip(source.weights, resized.weights, strict=True):
        name = old.path.removeprefix(source.path + "/")
        value = _np(old).astype("float64")
        new.assign(resize(value, axes[name], grid, target) if name in axes else value)
    x = rng.standard_normal((n, 4))
    upsampled = _upsample(grid, target, x)
    got = _np(resized(upsampled[None].astype("float32")))[0]
    want = _upsample(grid, target, _np(source(x[None].astype("float32")))[0])
    if n_target >= n:
        np.testing.assert_allclose(got, want, atol=1e-4)
    else:
        assert got.shape == want.shape


def test_square_grids_are_recognised():
    assert square_grid(196) == (14, 14)
    assert square_grid(12) is None


def _checkpoint(tmp_path, family, sizes):
    format = "safetensors"
    tensors = LAYOUTS[(format, family)](sizes, np.random.default_rng(0))
    return write(tmp_path / "model.safetensors", tensors, format)


@pytest.mark.parametrize(
    "backbone_cls, family", [(MLPMixerBackbone, "mixer"), (gMLPBackbone, "gmlp")]
)
def test_a_model_at_another_image_size_loads_with_interpolation_only(
    tmp_path, backbone_cls, family
):
    trained = Sizes(image_size=(12, 12), patch=4)  # 3 x 3 patches
    path = _checkpoint(tmp_path, family, trained)
    config = {**trained.backbone_config(family), "image_size": (20, 16)}  # 5 x 4
    model = ImageClassifier(backbone_cls(**config), num_classes=trained.classes)
    with pytest.raises(
        ValueError,
        match=r"checkpoint has 3x3 patches, the model 5x4 .*interpolate_patch_grid=True",
    ):
        load_checkpoint(model, path)
    report = load_checkpoint(model, path, interpolate_patch_grid=True)
    tied = 3 if family == "mixer" else 2
    assert len(report.interpolated) == tied * trained.blocks
    assert report.kept_initial == ()
    logits = _np(model(np.zeros((2, 20, 16, 3), "float32")))
    assert np.isfinite(logits).all()


def test_a_non_square_checkpoint_grid_must_be_named(tmp_path):
    trained = Sizes(image_size=(8, 12), patch=4)  # 2 x 3 patches
    path = _checkpoint(tmp_path, "mixer", trained)
    config = {**trained.backbone_config("mixer"), "image_size": (12, 12)}
    model = MLPMixerBackbone(**config)
    with pytest.raises(
        ValueError,
        match=r"6 patches in the checkpoint, 3x3 in the model; pass checkpoint_grid",
    ):
        load_checkpoint(model, path, interpolate_patch_grid=True)
    report = load_checkpoint(
        model, path, interpolate_patch_grid=True, checkpoint_grid=(2, 3)
    )
    assert len(report.interpolated) == 3 * trained.blocks


def test_another_patch_size_is_refused_even_with_interpolation(tmp_path):
    trained = Sizes(image_size=(16, 16), patch=4)
    path = _checkpoint(tmp_path, "mixer", trained)
    config = {**trained.backbone_config("mixer"), "patch_size": 8}
    with pytest.raises(
        ValueError,
        match=r"stem\.proj\.weight: checkpoint \(8, 3, 4, 4\), model expects \(8, 3, 8, 8\)",
    ):
        load_checkpoint(MLPMixerBackbone(**config), path, interpolate_patch_grid=True)
