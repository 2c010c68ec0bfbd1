"""Stochastic depth: dropping a whole residual branch per sample."""

from __future__ import annotations

import keras
from keras import ops

from keras_mlpmix.layers.argument_checks import arguments_config, check_int, check_rate
from keras_mlpmix.layers.hash_dropout import dropout
from keras_mlpmix.layers.numeric_input import NumericInputLayer


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class DropPath(NumericInputLayer):
    """Drops the whole input of some samples during training (stochastic depth).

    Training zeroes a fraction `rate` of the samples, scaling the rest by
    `1 / (1 - rate)` (Huang et al., 2016); inference is the identity.

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

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}
