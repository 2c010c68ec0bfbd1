import keras
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from keras_mlpmix.layers import MixerBlock, gMLPBlock
from keras_mlpmix.layers.fusion_barrier import fusion_barrier

ON_JAX = keras.backend.backend() == "jax"


@given(
    values=hnp.arrays(
        dtype=st.sampled_from(["float16", "float32"]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
        elements={"allow_nan": True, "allow_infinity": True},
    )
)
def test_returns_its_input_unchanged(values):
    # Every value, NaN and infinities included, and empty tensors.
    out = keras.ops.convert_to_numpy(fusion_barrier(values))
    assert out.dtype == values.dtype
    np.testing.assert_array_equal(out, values)


@pytest.mark.skipif(not ON_JAX, reason="the barrier is a conditional on JAX only")
def test_compiled_gradient_keeps_the_conditional_and_is_exact():
    import jax
    import jax.numpy as jnp

    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")
    projection = np.random.default_rng(1).standard_normal(x.shape).astype("float32")

    def loss(x):
        return jnp.sum(fusion_barrier(x) * projection)

    grad = jax.jit(jax.grad(loss))
    compiled = grad.lower(x).compile().as_text()
    # XLA cannot resolve the predicate, so the conditional survives.
    assert "conditional(" in compiled
    np.testing.assert_array_equal(np.asarray(grad(x)), projection)


@pytest.mark.skipif(not ON_JAX, reason="the barrier is a conditional on JAX only")
@pytest.mark.parametrize(
    "make_block",
    [
        lambda: MixerBlock(tokens_mlp_dim=8, channels_mlp_dim=8),
        lambda: gMLPBlock(ffn_dim=8),
    ],
    ids=["MixerBlock", "gMLPBlock"],
)
def test_each_block_of_a_compiled_step_has_its_barrier(make_block):
    import jax
    import jax.numpy as jnp

    inputs = keras.Input((4, 6))
    x = inputs
    for _ in range(3):
        x = make_block()(x)
    model = keras.Model(inputs, x)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    tokens = np.random.default_rng(0).standard_normal((2, 4, 6)).astype("float32")

    def loss(trainable, tokens):
        outputs, _ = model.stateless_call(
            trainable, non_trainable, tokens, training=True
        )
        return jnp.sum(outputs)

    compiled = jax.jit(jax.grad(loss)).lower(trainable, tokens).compile().as_text()
    conditionals = [line for line in compiled.splitlines() if " conditional(" in line]
    backward = [line for line in conditionals if "transpose(" in line]
    # Each block's input passes one in the forward pass; the gradient reaches
    # the second and third block's inputs through one each (the first
    # block's input, the model's, needs no gradient).
    assert (len(conditionals), len(backward)) == (5, 2)
