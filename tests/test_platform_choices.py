"""The backend- and device-specific choices: each applies exactly where it is said to.

Their speed is the benchmarks' business (benchmarks/suite.py); here, that
every route computes the same function, and that each choice is taken on
the platforms `platform_choices` names and nowhere else.
"""

import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpy_reference as ref
from keras_mlpmix.layers import FourierMixing, HashDropout, platform_choices
from keras_mlpmix.layers.fourier_mixing import real_fft2
from keras_mlpmix.layers.hash_dropout import keep_mask
from model_harness import FAMILIES, small

BACKEND = keras.backend.backend()
ON_CPU = platform_choices.on_cpu()


@given(
    values=hnp.arrays(
        dtype=st.sampled_from(["float16", "float32"]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
        elements={"allow_nan": True, "allow_infinity": True},
    )
)
def test_the_fusion_barrier_returns_its_input_unchanged(values):
    # Every value, NaN and infinities included, and empty tensors.
    out = keras.ops.convert_to_numpy(platform_choices.fusion_barrier(values))
    assert out.dtype == values.dtype
    np.testing.assert_array_equal(out, values)


@pytest.mark.skipif(
    BACKEND != "jax", reason="the conditional is inspected in JAX's HLO"
)
def test_the_compiled_gradient_keeps_the_conditional_and_is_exact():
    import jax
    import jax.numpy as jnp

    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    projection = np.random.default_rng(1).standard_normal(x.shape).astype("float32")

    def loss(x):
        return jnp.sum(platform_choices.fusion_barrier(x) * projection)

    grad = jax.jit(jax.grad(loss))
    # XLA cannot resolve the predicate, so the conditional survives.
    assert "conditional(" in grad.lower(x).compile().as_text()
    np.testing.assert_array_equal(np.asarray(grad(x)), projection)


def test_each_choice_applies_on_its_platforms_only():
    cpu_xla = BACKEND in ("jax", "tensorflow") and ON_CPU
    expected_masks = (
        ("integers" if BACKEND == "torch" else "hash") if ON_CPU else "keras"
    )
    assert platform_choices.dropout_masks() == expected_masks
    assert platform_choices.uses_fusion_barrier() == (BACKEND == "jax" and ON_CPU)
    assert platform_choices.compiles_with_xla_by_default() == (
        BACKEND == "tensorflow" and ON_CPU
    )
    assert platform_choices.writes_exact_gelu_with_erf() == (
        BACKEND == "tensorflow" or (BACKEND == "jax" and ON_CPU)
    )
    x = keras.ops.zeros((2, 4, 6))
    assert platform_choices.uses_real_fourier_transform(x) == cpu_xla
    assert not platform_choices.uses_real_fourier_transform(keras.Input((None, 6)))


@pytest.mark.parametrize("family", FAMILIES)
def test_only_the_measured_families_get_barriers_and_only_where_measured(family):
    backbone = small(family)
    barriers = [layer for layer in backbone.layers if layer.name.startswith("barrier")]
    measured = family in ("mixer", "gmlp")
    assert type(backbone).uses_fusion_barrier == measured
    assert len(barriers) == (
        2 if measured and platform_choices.uses_fusion_barrier() else 0
    )


@given(st.integers(1, 9), st.integers(1, 9))
def test_both_fourier_routes_are_the_real_part_of_the_2d_transform(tokens, channels):
    x = np.random.default_rng(0).standard_normal((2, tokens, channels))
    expected = np.fft.fft2(x).real
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(real_fft2(x.astype("float32"))),
        expected,
        rtol=1e-4,
        atol=1e-4,
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(FourierMixing()(x.astype("float32"))),
        expected,
        rtol=1e-4,
        atol=1e-4,
    )


@given(
    hnp.arrays(
        "float32",
        hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
        elements=st.floats(-60, 60, width=32),
    ),
    st.booleans(),
)
def test_gelu_is_the_papers_function_on_every_route(x, approximate):
    out = keras.ops.convert_to_numpy(platform_choices.gelu(x, approximate))
    assert out.dtype == np.float32
    expected = ref.gelu(x.astype("float64"), approximate)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_exact_gelu_comes_from_the_route_chosen():
    # Far in the negative tail `1 + erf` and `erfc` round differently.
    x = keras.ops.convert_to_tensor(np.linspace(-6, -2, 401), "float32")
    out = keras.ops.convert_to_numpy(platform_choices.gelu(x, approximate=False))
    routes = {
        "erf": 0.5 * x * (1.0 + keras.ops.erf(x / np.sqrt(2.0))),
        "keras": keras.ops.gelu(x, approximate=False),
    }
    chosen = "erf" if platform_choices.writes_exact_gelu_with_erf() else "keras"
    route_outputs = {k: keras.ops.convert_to_numpy(v) for k, v in routes.items()}
    np.testing.assert_array_equal(out, route_outputs[chosen])
    if not np.array_equal(*route_outputs.values()):
        other = "keras" if chosen == "erf" else "erf"
        assert not np.array_equal(out, route_outputs[other])


def test_dropout_masks_come_from_the_route_chosen():
    layer = HashDropout(0.5, seed=7)
    x = np.ones((64, 64), "float32")
    out = keras.ops.convert_to_numpy(layer(x, training=True))
    assert sorted(np.unique(out).tolist()) == [0.0, 2.0]
    routes = {
        "hash": lambda seed: keep_mask(x.shape, 0.5, seed),
        "integers": lambda seed: (
            keras.random.randint(x.shape, 0, 1 << 24, dtype="int32", seed=seed)
            >= 1 << 23
        ),
    }
    matches = {
        name: np.array_equal(
            out, keras.ops.convert_to_numpy(mask(keras.random.SeedGenerator(7))) * 2.0
        )
        for name, mask in routes.items()
    }
    chosen = platform_choices.dropout_masks()
    assert matches == {name: name == chosen for name in routes}
