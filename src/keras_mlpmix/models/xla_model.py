"""The model base class: XLA where measured to pay, all-or-nothing weight loads."""

from __future__ import annotations

import keras
import numpy as np

from keras_mlpmix.errors import InvalidValueError, one_line
from keras_mlpmix.layers import platform_choices
from keras_mlpmix.layers.numeric_input import check_real


class XLAModel(keras.Model):
    """A `keras.Model` whose `compile` picks XLA on TensorFlow on CPU too.

    Keras resolves `jit_compile="auto"` to XLA on JAX and on TensorFlow with a
    GPU; here it also means XLA on TensorFlow on CPU, where it was measured to
    pay (`platform_choices.compiles_with_xla_by_default`), unless
    `run_eagerly=True`. The saved compile configuration keeps `"auto"`, so a
    model reloaded on another backend compiles as that backend's default and
    resumes training with its optimizer and loss. `load_weights` loads
    everything or changes nothing. Inputs it cannot take (another rank or size,
    strings, complex numbers) raise a `ValueError` or `TypeError` naming the
    shape it takes.

    Example:

    >>> import keras
    >>> from keras_mlpmix.models import MLPMixerBackbone
    >>> backbone = MLPMixerBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=1,
    ...     tokens_mlp_dim=8, channels_mlp_dim=32)
    >>> backbone.compile()
    >>> backbone.jit_compile == (keras.backend.backend() != "torch")
    True
    """

    def __call__(self, inputs, *args, **kwargs):
        if not isinstance(inputs, (list, tuple, dict)):
            self._check_input(inputs)
        return super().__call__(inputs, *args, **kwargs)

    def _check_input(self, inputs):
        check_real(self.describe(), inputs)
        expected = tuple(self.input_shape)
        shape = tuple(getattr(inputs, "shape", None) or np.shape(inputs))
        if len(shape) == len(expected) and all(
            want is None or got is None or want == got
            for want, got in zip(expected[1:], shape[1:], strict=True)
        ):
            return
        hint = ""
        if len(expected) == 4 and len(shape) == 4 and shape[1] == expected[3]:
            hint = (
                " These look channels-first: images are channels-last, whatever "
                "keras.config.image_data_format() says; move the channels with "
                "keras.ops.transpose(images, (0, 2, 3, 1))."
            )
        elif len(expected) == 4 and len(shape) == 4 and shape[3] == expected[3]:
            hint = (
                " Resize the images to that size, or build the classifier with "
                "include_preprocessing=True, which resizes images of any size."
            )
        raise InvalidValueError(
            f"{self.describe()} takes inputs of shape {expected} (batch first). "
            f"Received inputs of shape {shape}.{hint}"
        )

    def compile(self, *args, jit_compile="auto", **kwargs):
        """Configures the model for training, as `keras.Model.compile` does.

        Args:
            *args: Positional arguments of `keras.Model.compile`.
            jit_compile: `"auto"` (XLA on TensorFlow and JAX, eager on PyTorch),
                `True` or `False`.
            **kwargs: Keyword arguments of `keras.Model.compile`.
        """
        super().compile(*args, jit_compile=jit_compile, **kwargs)
        if (
            jit_compile == "auto"
            and not self.run_eagerly
            and platform_choices.compiles_with_xla_by_default()
        ):
            self.jit_compile = True

    def compile_from_config(self, config):
        """Compiles as saved, which Keras skips when `compile` is overridden."""
        self.compile(**keras.saving.deserialize_keras_object(config))
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def describe(self) -> str:
        """One line naming the model, for messages."""
        return f"{type(self).__name__} {self.name!r}"

    def load_weights(self, filepath, *args, **kwargs):
        """Loads a `.weights.h5` or `.keras` file's weights, all or nothing.

        Raises:
            ValueError: if the file's weights do not fit the model; every weight
                then keeps its value.
        """
        before = [variable.numpy() for variable in self.variables]
        try:
            super().load_weights(filepath, *args, **kwargs)
        except Exception as error:
            for variable, value in zip(self.variables, before, strict=True):
                variable.assign(value)
            raise InvalidValueError(
                f"Could not load the weights in {str(filepath)!r} into "
                f"{self.describe()}: {one_line(error)} Nothing was loaded: every weight "
                f"keeps its value.{self.load_hint()}"
            ) from error

    def load_hint(self) -> str:
        """A sentence on the likely cause of a failed load, or an empty string."""
        return ""
