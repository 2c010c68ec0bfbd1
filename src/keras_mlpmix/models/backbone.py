"""The skeleton every backbone shares, and what each family adds to it.

A family (MLP-Mixer, FNet, gMLP, ResMLP) is one module of this package: a
`Backbone` subclass that passes its block to the skeleton and describes
itself to the shared machinery, which never branches on the family:

- `checkpoint_layouts` and `block_checkpoint_rules`: which published
  checkpoint layouts hold its weights, and the name of each block weight
  in them (with the axes of the weights tied to the patch grid);
- `block_matmul_shapes`: the matrix products of one block, for FLOP counts
  and the benchmarks' matmul ceiling;
- `sharding`: how its MLPs split over a model-parallel mesh axis;
- `uses_fusion_barrier`: whether its backward pass gains from the JAX
  fusion barrier (`platform_choices.uses_fusion_barrier`);
- `recipe_learning_rate`: the learning rate of the keras-io training recipe.
"""

from __future__ import annotations

import dataclasses
import inspect
import types

import keras

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError
from keras_mlpmix.layers import Patches, PositionEmbedding, platform_choices
from keras_mlpmix.layers.argument_checks import (
    check_bool,
    check_dtype_policy,
    check_int,
    check_keywords,
    check_pair,
    check_positive_int,
    check_rate,
)
from keras_mlpmix.models import preset_files, preset_sources
from keras_mlpmix.models.xla_model import XLAModel
from keras_mlpmix.weights.layouts import CheckpointLayout, Rule
from keras_mlpmix.weights.patch_grid import PatchAxes

# Keyword arguments of every backbone besides its family's own.
MODEL_KEYWORDS = frozenset({"name", "trainable"})


@dataclasses.dataclass(frozen=True)
class MatmulShape:
    """`count` products of an `(m, k)` by a `(k, n)` matrix in one forward pass.

    Attributes:
        name: What the product computes, e.g. `"channel_mlp.fc1"`.
        m: Rows of the left operand (tokens or channels of the whole batch).
        k: The contracted size.
        n: Columns of the right operand.
        count: How many times the product occurs in one forward pass.

    Example:

    >>> from keras_mlpmix.models import MatmulShape
    >>> MatmulShape("channel_mlp.fc1", m=196, k=768, n=3072, count=12).flops
    11098128384
    """

    name: str
    m: int
    k: int
    n: int
    count: int = 1

    @property
    def flops(self) -> int:
        """FLOPs of all `count` products, two per multiply-add."""
        return 2 * self.m * self.k * self.n * self.count


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class FusionBarrier(keras.layers.Layer):
    """The identity, through `platform_choices.fusion_barrier`.

    Backbones whose family sets `uses_fusion_barrier` put one before each
    block where `platform_choices.uses_fusion_barrier()` holds (JAX on
    CPU); it has no weights.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()

    def call(self, inputs):
        return platform_choices.fusion_barrier(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


class Backbone(XLAModel):
    """Maps images to token features with a stack of all-MLP blocks.

    The skeleton of MLP-Mixer (Tolstikhin et al., 2021, Fig. 1), which FNet
    (Lee-Thorp et al., 2021), gMLP (Liu et al., 2021) and ResMLP (Touvron
    et al., 2021) share when applied to images: each `(H, W, 3)` image is
    cut into `N = (H / p) * (W / p)` patches, each patch is embedded
    linearly into `hidden_dim` channels (the "stem", equal to a convolution
    with kernel and stride `p`), an optional learned position embedding is
    added, `num_blocks` blocks follow and a final normalisation closes the
    stack. The output is `(B, N, hidden_dim)`. Images are channels-last,
    `(B, H, W, 3)`, whatever `keras.config.image_data_format()` says.

    The families differ only in their block and their final normalisation:
    `MLPMixerBackbone`, `FNetBackbone`, `gMLPBackbone` and `ResMLPBackbone`
    pass theirs to this class. Stochastic depth grows linearly with depth,
    from 0 at the first block to `drop_path_rate` at the last (the rule of
    Huang et al., 2016, as DeiT applies it; timm gives every block of its
    `MlpMixer` the same rate). `compile()` picks XLA on TensorFlow as on
    JAX (see `XLAModel`).

    Args:
        block: Callable returning one block; called with the keyword
            arguments `dropout_rate`, `drop_path_rate`, `approximate_gelu`,
            `dtype` and `name`.
        norm: Callable returning the final normalisation layer; called with
            `dtype` and `name`.
        image_size: Input height and width, an int or a pair. Each must be a
            multiple of the matching patch size.
        patch_size: Patch height and width, an int or a pair.
        hidden_dim: Number of channels of the token features.
        num_blocks: Number of blocks.
        dropout_rate: Dropout inside the blocks' MLPs.
        drop_path_rate: Stochastic-depth rate of the last block.
        use_position_embedding: Add a learned position embedding after the
            stem.
        approximate_gelu: Use the tanh approximation of GELU in the blocks.
        dtype: Dtype policy of every layer, e.g. `"mixed_bfloat16"`.
        name: Name of the model.
        trainable: Whether the weights are trainable.

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

    # What a family sets; see the module documentation.
    checkpoint_layouts: tuple[str, ...] = ()
    uses_fusion_barrier = False
    sharding: types.MappingProxyType = types.MappingProxyType({})
    recipe_learning_rate = 0.001

    def __init__(
        self,
        block,
        norm,
        *,
        image_size,
        patch_size,
        hidden_dim: int,
        num_blocks: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        use_position_embedding: bool = False,
        approximate_gelu: bool = False,
        dtype=None,
        name=None,
        trainable: bool = True,
    ):
        image_size = check_pair("image_size", image_size)
        patch_size = check_pair("patch_size", patch_size)
        for axis, size, patch in zip(
            ("height", "width"), image_size, patch_size, strict=True
        ):
            if size % patch:
                below = size - size % patch
                raise InvalidValueError(
                    f"The image {axis} must be a multiple of the patch size. "
                    f"Received: image_size={image_size}, patch_size={patch_size}. "
                    f"Valid image {axis}s are multiples of {patch}, e.g. "
                    f"{below or patch} or {below + patch}."
                )
        hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        num_blocks = check_positive_int("num_blocks", num_blocks)
        dropout_rate = check_rate("dropout_rate", dropout_rate)
        drop_path_rate = check_rate("drop_path_rate", drop_path_rate)
        use_position_embedding = check_bool(
            "use_position_embedding", use_position_embedding
        )
        approximate_gelu = check_bool("approximate_gelu", approximate_gelu)
        dtype = check_dtype_policy("dtype", dtype)
        num_patches = (image_size[0] // patch_size[0]) * (
            image_size[1] // patch_size[1]
        )
        barriers = self.uses_fusion_barrier and platform_choices.uses_fusion_barrier()

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
            if barriers:
                x = FusionBarrier(dtype=dtype, name=f"barrier_{index}")(x)
            x = block(
                dropout_rate=dropout_rate,
                drop_path_rate=drop_path_rate * index / max(num_blocks - 1, 1),
                approximate_gelu=approximate_gelu,
                dtype=dtype,
                name=f"block_{index}",
            )(x)
        features = norm(dtype=dtype, name="norm")(x)
        super().__init__(
            inputs=images, outputs=features, name=name, trainable=trainable
        )
        # A functional model ignores `dtype`; its layers got it above.
        if dtype is not None:
            self.dtype_policy = dtype

        self.image_size = image_size
        self.patch_size = patch_size
        self.hidden_dim = hidden_dim
        self.num_blocks = num_blocks
        self.dropout_rate = dropout_rate
        self.drop_path_rate = drop_path_rate
        self.use_position_embedding = use_position_embedding
        self.approximate_gelu = approximate_gelu
        self.num_patches = num_patches

    @classmethod
    def argument_names(cls) -> frozenset:
        """The keyword arguments the family's constructor takes."""
        own = set(inspect.signature(cls.__init__).parameters) - {"self", "kwargs"}
        return frozenset(own | MODEL_KEYWORDS)

    @classmethod
    def check_arguments(cls, kwargs: dict) -> None:
        """Raises TypeError for any of `kwargs` that the family's constructor lacks.

        The message names the closest valid argument, so that a misspelt
        one is reported instead of ignored.
        """
        check_keywords(cls.__name__, kwargs, cls.argument_names())

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
            "use_position_embedding": self.use_position_embedding,
            "approximate_gelu": self.approximate_gelu,
        }

    @property
    def patch_grid(self) -> tuple[int, int]:
        """`(rows, columns)` of patches an image is cut into."""
        return (
            self.image_size[0] // self.patch_size[0],
            self.image_size[1] // self.patch_size[1],
        )

    @property
    def blocks(self) -> list:
        """The blocks, first to last."""
        return [self.get_layer(f"block_{index}") for index in range(self.num_blocks)]

    def describe(self) -> str:
        """One line naming the backbone and its sizes, for messages."""
        return (
            f"{type(self).__name__} {self.name!r} with image_size={self.image_size}, "
            f"patch_size={self.patch_size}, hidden_dim={self.hidden_dim} and "
            f"num_blocks={self.num_blocks}"
        )

    def load_hint(self) -> str:
        return (
            f" Its {self.num_patches} patches ({self.patch_grid[0]}x"
            f"{self.patch_grid[1]}) size the token-mixing weights: weights saved "
            "for another image or patch size do not fit; build the model with "
            "the sizes the weights were saved with."
        )

    # Intermediate features, for dense tasks and probes.

    def default_feature_blocks(self) -> tuple[int, ...]:
        """Four evenly spaced blocks ending with the last, e.g. 2, 5, 8, 11 of 12."""
        count = min(4, self.num_blocks)
        return tuple(
            round((index + 1) * self.num_blocks / count) - 1 for index in range(count)
        )

    def feature_extractor(self, block_indices=None, feature_maps: bool = False):
        """A model giving the tokens after some blocks: features for dense tasks.

        The outputs of the chosen blocks, before the final normalisation,
        by name (`"block_2"`, ...), as timm's `forward_intermediates` gives
        them and keras-hub's `pyramid_outputs` name them. The model shares
        this backbone's layers and weights (freeze them with
        `backbone.trainable = False`), works with pretrained presets and
        saves and loads like any functional Keras model. The output of the
        last block, normalised by the backbone's `norm` layer, is the
        backbone's own output.

        Args:
            block_indices: Indices of the blocks (negative ones count from
                the end), in any order; four evenly spaced blocks ending with
                the last when None (`default_feature_blocks`).
            feature_maps: Give `(B, H / p, W / p, C)` feature maps, the tokens
                laid out on the patch grid, instead of `(B, N, C)` tokens.

        Returns:
            A `keras.Model` from images to a dict of feature tensors.

        Raises:
            ValueError: for an index out of range or given twice.

        Example:

        >>> import numpy as np
        >>> from keras_mlpmix.models import Backbone
        >>> backbone = Backbone.from_preset("mixer_cifar100", num_blocks=4)
        >>> extractor = backbone.feature_extractor(feature_maps=True)
        >>> features = extractor(np.zeros((2, 64, 64, 3), "float32"))
        >>> {name: tuple(value.shape) for name, value in features.items()}
        {'block_0': (2, 8, 8, 256), 'block_1': (2, 8, 8, 256), 'block_2': (2, 8, 8, 256), 'block_3': (2, 8, 8, 256)}
        """
        feature_maps = check_bool("feature_maps", feature_maps)
        if block_indices is None:
            block_indices = self.default_feature_blocks()
        if isinstance(block_indices, (str, bytes)) or not hasattr(
            block_indices, "__iter__"
        ):
            raise InvalidTypeError(
                "`block_indices` must be None or a sequence of block indices. "
                f"Received: block_indices={block_indices!r}."
            )
        chosen = []
        for index in block_indices:
            index = (
                check_int(
                    "block_indices",
                    index,
                    minimum=-self.num_blocks,
                    maximum=self.num_blocks - 1,
                )
                % self.num_blocks
            )
            if index in chosen:
                raise InvalidValueError(
                    f"`block_indices` names block {index} twice. Received: "
                    f"block_indices={block_indices!r}."
                )
            chosen.append(index)
        if not chosen:
            raise InvalidValueError("`block_indices` must name at least one block.")
        outputs = {}
        for index in sorted(chosen):
            tokens = self.get_layer(f"block_{index}").output
            if feature_maps:
                tokens = keras.layers.Reshape(
                    (*self.patch_grid, self.hidden_dim),
                    dtype=self.dtype_policy,
                    name=f"block_{index}_feature_map",
                )(tokens)
            outputs[f"block_{index}"] = tokens
        return keras.Model(self.input, outputs, name=f"{self.name}_features")

    # What the checkpoint loaders ask (keras_mlpmix.weights.loading).

    def checkpoint_rules(self, layout: CheckpointLayout) -> list[Rule]:
        """The rule of every weight in a published checkpoint layout.

        Args:
            layout: `keras_mlpmix.weights.layouts.OFFICIAL` or `TIMM`.

        Raises:
            ValueError: if the family's checkpoints do not come in `layout`.
        """
        if layout.name not in self.checkpoint_layouts:
            held = " or ".join(self.checkpoint_layouts) or "no published layout"
            raise InvalidValueError(
                f"Checkpoints in {layout.description} do not hold "
                f"{type(self).__name__} weights; its checkpoints come in {held}."
            )
        rules = layout.stem(layout.stem_name, self.get_layer("stem"), self.patch_size)
        for index, block in enumerate(self.blocks):
            rules += self.block_checkpoint_rules(layout, index, block)
        return rules + self.norm_checkpoint_rules(layout, self.get_layer("norm"))

    def block_checkpoint_rules(self, layout, index: int, block) -> list[Rule]:
        """The rules of block `index`'s weights; each family writes its own."""
        raise NotImplementedError

    def norm_checkpoint_rules(self, layout, norm) -> list[Rule]:
        """The rules of the final normalisation (a LayerNorm unless overridden)."""
        return layout.norm(layout.norm_name, norm)

    @staticmethod
    def token_axes(kernel_tokens: str, bias_tokens: bool):
        """`(kernel, bias)` `PatchAxes` of a projection along the patch axis.

        Args:
            kernel_tokens: `"in"` if the kernel sums over the patches (its
                first axis), `"out"` if it gives one value per patch (its
                second axis), `"both"` for an `(N, N)` map stored
                `(output, input)`.
            bias_tokens: Whether the bias has one value per patch.
        """
        kernel = {
            "in": PatchAxes(inputs=(0,)),
            "out": PatchAxes(outputs=(1,)),
            "both": PatchAxes(inputs=(1,), outputs=(0,)),
        }[kernel_tokens]
        return kernel, PatchAxes(outputs=(0,)) if bias_tokens else None

    # FLOPs, and the benchmarks' matmul ceiling.

    def matmul_shapes(self, batch_size: int = 1) -> list[MatmulShape]:
        """The matrix products of one forward pass of `batch_size` images.

        Written in their canonical form, `(rows, contracted) x (contracted,
        columns)`: mixing along the patches contracts the patch axis of all
        `batch * C` channel columns, mixing along the channels the channel
        axis of all `batch * N` tokens. Biases, norms, activations and
        FNet's Fourier transform are not matrix products and are not counted.

        Example:

        >>> from keras_mlpmix.models import Backbone
        >>> with keras.StatelessScope(initialize_variables=False):
        ...     backbone = Backbone.from_preset("mixer_b16_224")
        >>> shapes = backbone.matmul_shapes(batch_size=1)
        >>> round(sum(s.flops for s in shapes) / 1e9, 1)  # Mixer-B/16 backbone
        25.2
        """
        batch_size = check_positive_int("batch_size", batch_size)
        tokens = batch_size * self.num_patches
        patch_values = self.patch_size[0] * self.patch_size[1] * 3
        return [
            MatmulShape("stem", tokens, patch_values, self.hidden_dim),
            *(
                dataclasses.replace(shape, count=shape.count * self.num_blocks)
                for shape in self.block_matmul_shapes(batch_size)
            ),
        ]

    def block_matmul_shapes(self, batch_size: int) -> list[MatmulShape]:
        """The matrix products of one block; each family writes its own."""
        raise NotImplementedError

    def timm_architecture(self) -> dict:
        """The family's arguments of timm's `MlpMixer`, for comparisons with timm.

        Layer classes are given by name, with their own arguments, as
        `(name, kwargs)`: `timm.models.mlp_mixer` or `timm.layers` defines
        them. The sizes common to every family (`img_size`, `patch_size`,
        `num_blocks`, `embed_dim`) are the backbone's own.

        Raises:
            ValueError: for a family timm does not implement (FNet).
        """
        raise InvalidValueError(f"timm has no {type(self).__name__}.")

    # Model parallelism.

    @classmethod
    def get_layout_map(cls, device_mesh, model_axis: str = "model"):
        """Returns a `keras.distribution.LayoutMap` sharding the MLPs over a mesh axis.

        For model parallel training with `keras.distribution.ModelParallel`
        (on the JAX backend, the one `keras.distribution` supports). The
        MLPs hold almost all of the weights and are split the Megatron way
        (Shoeybi et al., 2019, sec. 3): the first projection of every
        token-mixing, channel-mixing, gMLP, FNet and ResMLP MLP is split by
        its output units over `model_axis`, the second by its input units,
        so that each device holds and computes a slice of the hidden layer
        and one all-reduce sums the outputs. The stem, norms, position
        embedding, gMLP's spatial projection, ResMLP's token projection and
        a classifier's head are small and stay replicated. The batch is
        split over the mesh's other axis by `ModelParallel(...,
        batch_dim_name=...)`. Called on a family class it holds that
        family's layout; called on `Backbone`, every family's.

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
            raise InvalidTypeError(
                "`device_mesh` must be a keras.distribution.DeviceMesh. "
                f"Received: device_mesh={device_mesh!r} of type "
                f"{type(device_mesh).__name__}."
            )
        if model_axis not in device_mesh.axis_names:
            raise InvalidValueError(
                f"`model_axis` must name an axis of the device mesh, one of "
                f"{tuple(device_mesh.axis_names)}. Received: "
                f"model_axis={model_axis!r}."
            )
        families = [cls] if cls.sharding else _families(cls)
        patterns = {}
        for family in families:
            patterns.update(family.sharding)
        layout_map = keras.distribution.LayoutMap(device_mesh)
        for pattern, axes in patterns.items():
            layout_map[pattern] = tuple(
                model_axis if axis == "model" else axis for axis in axes
            )
        return layout_map

    # Presets.

    @classmethod
    def from_preset(cls, preset, *, weights=None, **overrides):
        """Builds a backbone from a preset: a built-in name, a folder or a hub handle.

        `preset` is a built-in preset's name (see `list_presets()`), a
        preset folder written by `save_to_preset` (or
        `ImageClassifier.save_to_preset`), or `"hf://owner/repo"`, such a
        folder on the Hugging Face hub (needs `huggingface_hub`, the `hub`
        extra). Called on `Backbone` it builds any family; called on a
        family class, only that family's presets. Keyword arguments override
        the preset's configuration; a misspelt one is an error. Overriding
        `image_size` of a built-in preset rebuilds the backbone at another
        resolution: the number of patches changes, and with it the shape of
        the patch-tied weights, which pretrained weights are resized to (see
        `keras_mlpmix.weights.patch_grid` and the guide on transfer at
        another resolution).

        Args:
            preset: A built-in preset name, e.g. `"mixer_b16_224"` or, with
                pretrained weights, `"mixer_b16_224.goog_in21k"`; a preset
                folder; or `"hf://owner/repo"`.
            weights: `None` (default): the preset's weights if it has any
                (a built-in pretrained preset's checkpoint, a folder's saved
                weights), else fresh ones. `True`: the preset's weights (an
                error if it has none). `False`: fresh weights. A path: a
                checkpoint file (`.npz`, `.safetensors`, `.pth`, `.bin`), a
                `.weights.h5` saved from the same architecture, or a folder
                holding one; `"hf://owner/repo"`: such a file on the Hugging
                Face hub.
            **overrides: Constructor arguments replacing the preset's. With
                the preset's own weights, only those that keep the weights'
                shapes (`image_size` of a built-in preset, dropout and
                drop-path rates, norm epsilons, `approximate_gelu`, `dtype`,
                `name`, `trainable`).

        Raises:
            ValueError: for an unknown preset, a preset of another family,
                or overrides that do not fit the weights.
            TypeError: for an argument the family does not take.

        Example:

        >>> from keras_mlpmix.models import Backbone
        >>> backbone = Backbone.from_preset(
        ...     "mixer_cifar100", num_blocks=1, hidden_dim=32)
        >>> type(backbone).__name__, tuple(backbone.output.shape)
        ('MLPMixerBackbone', (None, 64, 32))
        """
        source = preset_sources.open_preset(preset)
        backbone_cls = source.backbone_class(cls)
        backbone_cls.check_arguments(overrides)
        loader = source.weights_loader(weights, overrides)
        backbone = backbone_cls(**source.backbone_config(overrides))
        if loader is not None:
            loader.load(backbone)
        backbone.preset_metadata = types.MappingProxyType(source.metadata())
        return backbone

    def save_to_preset(self, directory, *, overwrite: bool = False, **metadata):
        """Saves the backbone as a preset folder that `from_preset` loads.

        The folder has keras-hub's layout: `config.json` (the class and its
        constructor arguments), `model.weights.h5` (the weights) and
        `metadata.json` (Keras and keras-mlpmix versions, parameter count,
        date, image size and what `metadata` adds). It loads on every
        backend with the same outputs.

        Args:
            directory: The folder to write; it must not exist, or be empty,
                unless `overwrite`.
            overwrite: Replace the files of an earlier preset in `directory`.
            **metadata: Facts to record: `source`, `license`, `description`
                (strings), `mean` and `std` (the normalisation the weights
                expect).

        Example:

        >>> import os, tempfile
        >>> from keras_mlpmix.models import Backbone
        >>> backbone = Backbone.from_preset("gmlp_cifar100", num_blocks=1)
        >>> folder = os.path.join(tempfile.mkdtemp(), "my_gmlp")
        >>> backbone.save_to_preset(folder)
        >>> sorted(os.listdir(folder))
        ['config.json', 'metadata.json', 'model.weights.h5']
        >>> Backbone.from_preset(folder).count_params() == backbone.count_params()
        True
        """
        recorded = preset_files.recorded_metadata(
            getattr(self, "preset_metadata", {}), metadata, num_classes=None
        )
        preset_files.write_backbone(
            self, directory, check_bool("overwrite", overwrite), recorded
        )


def _families(cls) -> list:
    """The family classes below `cls`, those that set their own sharding."""
    found = []
    for subclass in cls.__subclasses__():
        if subclass.sharding:
            found.append(subclass)
        found += _families(subclass)
    return found
