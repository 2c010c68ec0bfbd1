"""Stochastic depth: dropping a whole residual branch per sample."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.layers.argument_checks import (
    check_int,
    check_layer_keywords,
    check_rate,
)
from keras_mlpmix.layers.hash_dropout import dropout
from keras_mlpmix.layers.numeric_input import NumericInputLayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class DropPath(NumericInputLayer):
    """Drops the whole input of some samples during training (stochastic depth).

    Applied to a residual branch, it removes the branch for a random fraction
    `rate` of the samples in a batch and scales the kept ones by
    `1 / (1 - rate)` (Huang et al., 2016). At inference it is the identity.
    The per-sample masks are drawn as `HashDropout`'s are, seeded by a
    `keras.random.SeedGenerator`, so they work inside compiled functions on
    every backend. The layer has no weights and is built when created, as
    Keras's own stateless layers are.

    Args:
        rate: Probability of dropping the branch of a sample, in `[0, 1)`.
        seed: Optional integer seed for reproducible masks.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.layers import DropPath
    >>> x = np.ones((4, 3, 2), "float32")
    >>> bool(np.array_equal(DropPath(0.5)(x, training=False), x))
    True
    """

    def __init__(self, rate: float = 0.0, seed: int | None = None, **kwargs):
        check_layer_keywords(type(self), kwargs)
        super().__init__(**kwargs)
        self.rate = check_rate("rate", rate)
        self.seed = None if seed is None else check_int("seed", seed, minimum=0)
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self._build_at_init()

    def call(self, inputs, training=None):
        if not training or self.rate == 0.0:
            return inputs
        shape = (ops.shape(inputs)[0],) + (1,) * (len(inputs.shape) - 1)
        return dropout(inputs, self.rate, self.seed_generator, shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
