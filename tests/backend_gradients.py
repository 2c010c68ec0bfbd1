"""Gradients of a layer's output with respect to its weights, per backend.

Library code never touches a backend directly; tests may, to check what the
library promises (finite, non-zero gradients) on each of them.
"""

import inspect

import keras
import numpy as np


def weight_gradients(layer, inputs, projection):
    """Gradients of `sum(layer(inputs, training=True) * projection)`.

    Returns a list of numpy arrays, one per trainable weight of `layer`.
    """
    backend = keras.backend.backend()
    inputs = keras.ops.convert_to_tensor(inputs)
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(
                tf.cast(layer(inputs, training=True), "float32") * projection
            )
        grads = tape.gradient(loss, [v.value for v in layer.trainable_variables])
    elif backend == "jax":
        import jax
        import jax.numpy as jnp

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        # stateless_call passes arguments straight to `call`.
        kwargs = (
            {"training": True}
            if "training" in inspect.signature(layer.call).parameters
            else {}
        )

        def loss_fn(trainable):
            outputs, _ = layer.stateless_call(
                trainable, non_trainable, inputs, **kwargs
            )
            return jnp.sum(outputs.astype("float32") * projection)

        grads = jax.grad(loss_fn)(trainable)
    elif backend == "torch":
        import torch

        for v in layer.trainable_variables:
            v.value.grad = None
        outputs = layer(inputs, training=True)
        torch.sum(
            outputs.float() * torch.as_tensor(projection, device=outputs.device)
        ).backward()
        grads = [v.value.grad for v in layer.trainable_variables]
    else:
        raise NotImplementedError(backend)
    return [
        None if g is None else np.asarray(keras.ops.convert_to_numpy(g)) for g in grads
    ]
