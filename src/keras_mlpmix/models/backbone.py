"""The skeleton shared by every backbone: patches, blocks, final norm."""

from __future__ import annotations

import contextlib

import keras

from keras_mlpmix.layers import Patches, PositionEmbedding
from keras_mlpmix.layers.argument_checks import (
    check_epsilon,
    check_pair,
    check_positive_int,
    check_rate,
)
from keras_mlpmix.models import presets
from keras_mlpmix.models.xla_model import XLAModel

# Megatron-style sharding of every MLP (Shoeybi et al., 2019, sec. 3): the
# first projection's kernel is split by columns (its output units), the
# second's by rows (its input units), so each device computes its slice of the
# hidden layer with no communication and one all-reduce sums the outputs.
# Patterns must match a whole variable path ("block_3/token_mlp/fc1/kernel");
# "model" stands for the mesh axis the caller names. The token MLP's fc1 bias
# is (D_S, 1), the other MLPs' are 1D. Everything else (stem, norms, position
# embedding, gMLP's spatial projection, the head) is replicated.
_MLPS = r"(?:.*/)?(?:token_mlp|channel_mlp|mlp)"
_LAYOUTS = {
    rf"{_MLPS}/fc1/kernel": (None, "model"),
    r"(?:.*/)?token_mlp/fc1/bias": ("model", None),
    r"(?:.*/)?(?:channel_mlp|mlp)/fc1/bias": ("model",),
    rf"{_MLPS}/fc2/kernel": ("model", None),
}


class Backbone(XLAModel):
    """Maps images to token features with a stack of all-MLP blocks.

    The skeleton of MLP-Mixer (Tolstikhin et al., 2021, Fig. 1), which FNet
    (Lee-Thorp et al., 2021) and gMLP (Liu et al., 2021) share when applied
    to images: each `(H, W, 3)` image is cut into `N = (H / p) * (W / p)`
    patches, each patch is embedded linearly into `hidden_dim` channels (the
    "stem", equal to a convolution with kernel and stride `p`), an optional
    learned position embedding is added, `num_blocks` blocks follow and a
    final LayerNorm closes the stack. The output is `(B, N, hidden_dim)`.

    The families differ only in their block: `MLPMixerBackbone`,
    `FNetBackbone` and `gMLPBackbone` pass theirs to this class. Stochastic
    depth grows linearly with depth, from 0 at the first block to
    `drop_path_rate` at the last (Huang et al., 2016; timm's rule).
    `compile()` picks XLA on TensorFlow as on JAX (see `XLAModel`).

    Args:
        block: Callable returning one block; called with the keyword
            arguments `dropout_rate`, `drop_path_rate`, `layer_norm_epsilon`,
            `approximate_gelu`, `dtype` and `name`.
        image_size: Input height and width, an int or a pair. Each must be a
            multiple of the matching patch size.
        patch_size: Patch height and width, an int or a pair.
        hidden_dim: Number of channels of the token features.
        num_blocks: Number of blocks.
        dropout_rate: Dropout inside the blocks' MLPs.
        drop_path_rate: Stochastic-depth rate of the last block.
        layer_norm_epsilon: Epsilon of the blocks' and the final LayerNorms.
        use_position_embedding: Add a learned position embedding after the
            stem.
        approximate_gelu: Use the tanh approximation of GELU in the blocks.
        dtype: Dtype policy of every layer, e.g. `"mixed_bfloat16"`.
        **kwargs: Standard model arguments (`name`, `trainable`).

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import MLPMixerBackbone
    >>> backbone = MLPMixerBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2,
    ...     tokens_mlp_dim=8, channels_mlp_dim=32)
    >>> images = np.random.rand(2, 32, 32, 3).astype("float32")
    >>> tuple(backbone(images).shape)  # 4 x 4 patches of 16 channels
    (2, 16, 16)
    """

    def __init__(
        self,
        block,
        *,
        image_size,
        patch_size,
        hidden_dim: int,
        num_blocks: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        layer_norm_epsilon: float = 1e-6,
        use_position_embedding: bool = False,
        approximate_gelu: bool = False,
        dtype=None,
        **kwargs,
    ):
        image_size = check_pair("image_size", image_size)
        patch_size = check_pair("patch_size", patch_size)
        for axis, size, patch in zip(
            ("height", "width"), image_size, patch_size, strict=True
        ):
            if size % patch:
                below = size - size % patch
                raise ValueError(
                    f"The image {axis} must be a multiple of the patch size. "
                    f"Received: image_size={image_size}, patch_size={patch_size}. "
                    f"Valid image {axis}s are multiples of {patch}, e.g. "
                    f"{below or patch} or {below + patch}."
                )
        hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        num_blocks = check_positive_int("num_blocks", num_blocks)
        drop_path_rate = check_rate("drop_path_rate", drop_path_rate)
        layer_norm_epsilon = check_epsilon("layer_norm_epsilon", layer_norm_epsilon)
        num_patches = (image_size[0] // patch_size[0]) * (
            image_size[1] // patch_size[1]
        )

        images = keras.Input(shape=(*image_size, 3), name="images")
        x = Patches(
            patch_size, data_format="channels_last", dtype=dtype, name="patches"
        )(images)
        x = keras.layers.Dense(hidden_dim, dtype=dtype, name="stem")(x)
        if use_position_embedding:
            x = PositionEmbedding(num_patches, dtype=dtype, name="position_embedding")(
                x
            )
        for index in range(num_blocks):
            x = block(
                dropout_rate=dropout_rate,
                drop_path_rate=drop_path_rate * index / max(num_blocks - 1, 1),
                layer_norm_epsilon=layer_norm_epsilon,
                approximate_gelu=approximate_gelu,
                dtype=dtype,
                name=f"block_{index}",
            )(x)
        features = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon, dtype=dtype, name="norm"
        )(x)
        super().__init__(inputs=images, outputs=features, **kwargs)
        # A functional model ignores `dtype`; its layers got it above.
        if dtype is not None:
            self.dtype_policy = keras.dtype_policies.get(dtype)

        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.num_blocks = num_blocks
        self.dropout_rate = dropout_rate
        self.drop_path_rate = drop_path_rate
        self.layer_norm_epsilon = layer_norm_epsilon
        self.use_position_embedding = bool(use_position_embedding)
        self.approximate_gelu = bool(approximate_gelu)
        self.num_patches = num_patches

    def get_config(self):
        # A functional model's own config describes its graph; a backbone's
        # config is its constructor arguments, from which it rebuilds the graph.
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "image_size": self.image_size,
            "patch_size": self.patch_size,
            "hidden_dim": self.hidden_dim,
            "num_blocks": self.num_blocks,
            "dropout_rate": self.dropout_rate,
            "drop_path_rate": self.drop_path_rate,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "use_position_embedding": self.use_position_embedding,
            "approximate_gelu": self.approximate_gelu,
        }

    @contextlib.contextmanager
    def explain_load_errors(self, filepath):
        """Re-raises a failed weight load with this backbone's sizes in the message.

        Loading weights saved for another image or patch size fails with a
        shape mismatch deep in the model; this names the likely cause.
        """
        try:
            yield
        except ValueError as error:
            raise ValueError(
                f"Could not load the weights in {filepath!r} into {self.name!r}, "
                f"a {type(self).__name__} built for image_size={self.image_size} "
                f"and patch_size={self.patch_size} ({self.num_patches} patches). "
                "MLP-Mixer's token-mixing MLPs, gMLP's spatial gating units and "
                "position embeddings have weights sized by the number of patches: "
                "weights saved for another image or patch size do not fit. Build "
                "the model with the sizes the weights were saved with (the error "
                "above names the first weight that did not fit)."
            ) from error

    def load_weights(self, filepath, *args, **kwargs):
        with self.explain_load_errors(filepath):
            super().load_weights(filepath, *args, **kwargs)

    @classmethod
    def get_layout_map(cls, device_mesh, model_axis: str = "model"):
        """Returns a `keras.distribution.LayoutMap` sharding the MLPs over a mesh axis.

        For model parallel training with `keras.distribution.ModelParallel`
        (on the JAX backend, the one `keras.distribution` supports). The
        MLPs hold almost all of the weights and are split the Megatron way
        (Shoeybi et al., 2019): the first projection of every token-mixing,
        channel-mixing and gMLP/FNet MLP is split by its output units over
        `model_axis`, the second by its input units, so that each device holds
        and computes a slice of the hidden layer. The stem, LayerNorms,
        position embedding, gMLP's spatial projection and a classifier's head
        are small and stay replicated. The batch is split over the mesh's
        other axis by `ModelParallel(..., batch_dim_name=...)`.

        In gMLP the first projection's output is cut in two halves for the
        spatial gating unit, so with this layout each half lives on half of
        the devices and XLA moves data for the gating product: the results
        are exact, with some extra communication. Sharded widths (`D_S`,
        `D_C`, `ffn_dim`) must be multiples of the size of `model_axis`.

        Args:
            device_mesh: A `keras.distribution.DeviceMesh`.
            model_axis: Name of the mesh axis the MLPs are split over.

        Returns:
            A `LayoutMap`, to pass to `keras.distribution.ModelParallel`
            before the model is built (variables take their layout when
            they are created).

        Raises:
            TypeError: if `device_mesh` is not a `DeviceMesh`.
            ValueError: if the mesh has no axis named `model_axis`.

        Example:

        >>> import keras
        >>> from keras_mlpmix.models import Backbone
        >>> mesh = keras.distribution.DeviceMesh(
        ...     shape=(2, 4), axis_names=("batch", "model"),
        ...     devices=[f"cpu:{i}" for i in range(8)])
        >>> layout_map = Backbone.get_layout_map(mesh)
        >>> layout_map["block_0/channel_mlp/fc1/kernel"].axes
        (None, 'model')
        >>> layout_map["block_0/token_mlp/fc2/kernel"].axes
        ('model', None)
        >>> layout_map["block_0/token_norm/gamma"] is None  # replicated
        True
        """
        if not isinstance(device_mesh, keras.distribution.DeviceMesh):
            raise TypeError(
                "`device_mesh` must be a keras.distribution.DeviceMesh. "
                f"Received: device_mesh={device_mesh!r} of type "
                f"{type(device_mesh).__name__}."
            )
        if model_axis not in device_mesh.axis_names:
            raise ValueError(
                f"`model_axis` must name an axis of the device mesh, one of "
                f"{tuple(device_mesh.axis_names)}. Received: "
                f"model_axis={model_axis!r}."
            )
        layout_map = keras.distribution.LayoutMap(device_mesh)
        for pattern, axes in _LAYOUTS.items():
            layout_map[pattern] = tuple(
                model_axis if axis == "model" else axis for axis in axes
            )
        return layout_map

    @classmethod
    def from_preset(cls, name: str, *, weights=None, **overrides):
        """Builds the backbone of a named preset (see `list_presets()`).

        Called on `Backbone` it builds any preset; called on a family class
        it accepts only that family's presets. Keyword arguments override
        the preset's configuration. Overriding `image_size` rebuilds the
        backbone at another resolution; the number of patches changes, and
        with it the shape of the token-mixing weights of MLP-Mixer and gMLP
        (and of the position embedding). Pretrained weights are then resized
        to the new patch grid (see `keras_mlpmix.weights.patch_grid` and the
        guide on transfer at another resolution). FNet's blocks do not
        depend on it.

        Args:
            name: Preset name, e.g. `"mixer_b16_224"` or, with pretrained
                weights, `"mixer_b16_224.goog_in21k"`.
            weights: `None` (default): the preset's pretrained weights if it
                has any, else fresh ones. `True`: the pretrained weights,
                downloaded and converted once into the Keras cache. `False`:
                fresh weights. A path: a checkpoint file (`.npz`,
                `.safetensors`, `.pth`, `.bin`), a `.weights.h5` saved from
                the same model, or a folder holding one. `"hf://owner/repo"`:
                such a file on the Hugging Face hub (needs `huggingface_hub`).
            **overrides: Constructor arguments replacing the preset's. With
                the preset's pretrained weights, only those that keep the
                weights' shapes (`image_size`, dropout and drop-path rates,
                LayerNorm epsilons, `approximate_gelu`, `dtype`, `name`,
                `trainable`).

        Example:

        >>> from keras_mlpmix.models import Backbone
        >>> backbone = Backbone.from_preset(
        ...     "mixer_cifar100", num_blocks=1, hidden_dim=32)
        >>> type(backbone).__name__, tuple(backbone.output.shape)
        ('MLPMixerBackbone', (None, 64, 32))
        """
        # The weights package builds on the models, hence imported here.
        from keras_mlpmix.weights import pretrained

        row = presets.get_preset(name)
        backbone_cls = keras.saving.get_registered_object(
            f"keras_mlpmix>{row['backbone']}"
        )
        if not issubclass(backbone_cls, cls):
            raise ValueError(
                f"Preset {name!r} is a {row['backbone']} preset; "
                f"{cls.__name__}.from_preset() builds only "
                f"{cls.__name__} presets: {presets.preset_names(cls.__name__)}. "
                f"Use {row['backbone']}.from_preset() or Backbone.from_preset()."
            )
        weights = pretrained.resolve(name, weights, overrides)
        config = {"image_size": row["image_size"], **row["config"], **overrides}
        backbone = backbone_cls(**config)
        if weights is not False:
            pretrained.load(backbone, name, weights)
        return backbone
