"""The model base class that compiles with XLA on TensorFlow, CPU included."""

from __future__ import annotations

import keras


class XLAModel(keras.Model):
    """A `keras.Model` whose `compile` picks XLA on TensorFlow by default.

    Keras resolves `jit_compile="auto"` to XLA on JAX, and on TensorFlow
    only when a GPU is present: on a CPU-only machine TensorFlow runs the
    graph op by op. These models are matrix products and element-wise ops
    that XLA fuses, and on a 2-core CPU (float32) XLA made inference of
    Mixer-B/16 1.12x and of gMLP-S/16 1.19x faster and the CIFAR-100
    Mixer's training step 1.6x faster, for about one second more of
    compilation on the first call. So `"auto"` here means XLA on TensorFlow
    whatever the device, unless `run_eagerly=True`. On JAX and PyTorch
    `"auto"` keeps Keras' meaning (XLA on JAX, eager PyTorch: `torch.compile`
    took 135 s to compile the CIFAR-100 training step on that machine).
    Pass `jit_compile=False` or `True` to choose yourself.

    `Backbone` and `ImageClassifier` derive from `XLAModel`.

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

    def compile(self, *args, jit_compile="auto", **kwargs):
        """Configures the model for training, as `keras.Model.compile` does.

        Args:
            *args: Positional arguments of `keras.Model.compile`.
            jit_compile: `"auto"` (XLA on TensorFlow and JAX, eager on
                PyTorch), `True` or `False`.
            **kwargs: Keyword arguments of `keras.Model.compile`.
        """
        if (
            jit_compile == "auto"
            and keras.backend.backend() == "tensorflow"
            and not kwargs.get("run_eagerly")
        ):
            jit_compile = True
        super().compile(*args, jit_compile=jit_compile, **kwargs)
