"""The skeleton every backbone shares, and the hooks each family fills in."""

from __future__ import annotations

import dataclasses
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
    check_patch_multiple,
    check_positive_int,
    check_rate,
    own_arguments,
)
from keras_mlpmix.models import preset_files, preset_sources
from keras_mlpmix.models.xla_model import XLAModel
from keras_mlpmix.weights.layouts import CheckpointLayout, Rule
from keras_mlpmix.weights.patch_grid import PatchAxes

# The Megatron split of a block's `mlp`: fc1 by output units, fc2 by input units.
MLP_SHARDING = types.MappingProxyType(
    {
        r"(?:.*/)?mlp/fc1/kernel": (None, "model"),
        r"(?:.*/)?mlp/fc1/bias": ("model",),
        r"(?:.*/)?mlp/fc2/kernel": ("model", None),
    }
)


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
    """The identity, through `platform_choices.fusion_barrier`; it has no weights.

    Put before each block where the family sets `uses_fusion_barrier` and
    `platform_choices.uses_fusion_barrier()` holds (JAX on CPU).
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

    The MLP-Mixer skeleton (Tolstikhin et al., 2021, Fig. 1), shared by FNet,
    gMLP and ResMLP: `(B, H, W, 3)` images (channels-last, whatever
    `keras.config.image_data_format()` says) are cut into `N = (H / p) * (W / p)`
    patches, embedded linearly into `hidden_dim` channels (the "stem"), given an
    optional learned position embedding, then pass `num_blocks` blocks and a
    final norm: the output is `(B, N, hidden_dim)`. Stochastic depth grows
    linearly from 0 at the first block to `drop_path_rate` at the last (as in
    DeiT; timm's `MlpMixer` gives every block the same rate). `compile()` picks
    XLA on TensorFlow as on JAX (see `XLAModel`).

    Args:
        block: Callable returning one block, called with `dropout_rate`,
            `drop_path_rate`, `approximate_gelu`, `dtype` and `name`.
        norm: Callable returning the final norm, called with `dtype` and `name`.
        image_size: Input height and width (int or pair), multiples of `patch_size`.
        patch_size: Patch height and width, an int or a pair.
        hidden_dim: Number of channels of the token features.
        num_blocks: Number of blocks.
        dropout_rate: Dropout inside the blocks' MLPs.
        drop_path_rate: Stochastic-depth rate of the last block.
        use_position_embedding: Add a learned position embedding after the stem.
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
    >>> tuple(backbone(np.zeros((2, 32, 32, 3), "float32")).shape)  # 4 x 4 patches
    (2, 16, 16)
    """

    # What a family sets: the checkpoint layouts of its weights (with
    # `block_checkpoint_rules`), whether JAX's fusion barrier helps its backward
    # pass, how its MLPs shard, and the keras-io recipe's learning rate.
    checkpoint_layouts: tuple[str, ...] = ()
    uses_fusion_barrier = False
    sharding: types.MappingProxyType = types.MappingProxyType({})
    recipe_learning_rate = 0.001

    def __init__(
        self,
        block,
        norm,
        *,
        image_size=224,
        patch_size=16,
        hidden_dim: int,
        num_blocks: int,
        dropout_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        use_position_embedding: bool = False,
        approximate_gelu: bool = False,
        dtype=None,
        name=None,
        trainable: bool = True,
        **kwargs,
    ):
        type(self).check_arguments(kwargs)  # any left is not an argument
        image_size = check_pair("image_size", image_size)
        patch_size = check_pair("patch_size", patch_size)
        check_patch_multiple(image_size, patch_size)
        hidden_dim = check_positive_int("hidden_dim", hidden_dim)
        num_blocks = check_positive_int("num_blocks", num_blocks)
        dropout_rate = check_rate("dropout_rate", dropout_rate)
        drop_path_rate = check_rate("drop_path_rate", drop_path_rate)
        use_position_embedding = check_bool(
            "use_position_embedding", use_position_embedding
        )
        approximate_gelu = check_bool("approximate_gelu", approximate_gelu)
        dtype = check_dtype_policy("dtype", dtype)
        grid = (image_size[0] // patch_size[0], image_size[1] // patch_size[1])
        num_patches = grid[0] * grid[1]
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
        self.patch_grid = grid  # (rows, columns) of patches an image is cut into

    @classmethod
    def argument_names(cls) -> frozenset:
        """The keyword arguments the family's constructor takes."""
        return frozenset(_arguments(Backbone.__init__) + _arguments(cls.__init__))

    @classmethod
    def check_arguments(cls, kwargs: dict) -> None:
        """Raises TypeError for unknown `kwargs`, naming the closest valid argument."""
        check_keywords(cls.__name__, kwargs, cls.argument_names())

    def get_config(self):
        # The constructor arguments, from which the graph is rebuilt, not the graph.
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
        }
        for name in _arguments(Backbone.__init__) + _arguments(type(self).__init__):
            config.setdefault(name, getattr(self, name))
        return config

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
        """A model from images to the tokens after some blocks, for dense tasks.

        Returns a `keras.Model` giving a dict of the chosen blocks' outputs,
        before the final norm, keyed `"block_2"`, ... (timm's
        `forward_intermediates`). It shares this backbone's layers and weights
        and saves like any functional model.

        Args:
            block_indices: Block indices in any order (negative ones count from
                the end); `default_feature_blocks()` when None.
            feature_maps: Give `(B, H / p, W / p, C)` maps on the patch grid
                instead of `(B, N, C)` tokens.

        Raises:
            ValueError: for an index out of range or given twice.

        Example:

        >>> import numpy as np
        >>> from keras_mlpmix.models import Backbone
        >>> backbone = Backbone.from_preset("mixer_cifar100", num_blocks=4)
        >>> extractor = backbone.feature_extractor(feature_maps=True)
        >>> features = extractor(np.zeros((2, 64, 64, 3), "float32"))
        >>> sorted(features), tuple(features["block_3"].shape)
        (['block_0', 'block_1', 'block_2', 'block_3'], (2, 8, 8, 256))
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
        chosen, n = [], self.num_blocks
        for index in block_indices:
            index = check_int("block_indices", index, minimum=-n, maximum=n - 1) % n
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
        for index in range(self.num_blocks):
            block = self.get_layer(f"block_{index}")
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
            kernel_tokens: `"in"` (the kernel's first axis sums over patches),
                `"out"` (its second axis has one value per patch) or `"both"`
                (an `(N, N)` map stored `(output, input)`).
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

        In the form `(rows, contracted) x (contracted, columns)`; token mixing
        contracts the patch axis of `batch * C` columns. Biases, norms,
        activations and FNet's Fourier transform are not counted.

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

        Layer classes of `timm.models.mlp_mixer` or `timm.layers` are given as
        `(name, kwargs)`; the sizes every family has (`img_size`...) are left out.

        Raises:
            ValueError: for a family timm does not implement (FNet).
        """
        raise InvalidValueError(f"timm has no {type(self).__name__}.")

    # Model parallelism.

    @classmethod
    def get_layout_map(cls, device_mesh, model_axis: str = "model"):
        """Returns a `keras.distribution.LayoutMap` sharding the MLPs over a mesh axis.

        For `keras.distribution.ModelParallel` on JAX; set it before the model is
        built. Each MLP is split the Megatron way (Shoeybi et al., 2019, sec. 3):
        fc1 by output units over `model_axis`, fc2 by input units, so one
        all-reduce sums the outputs; all else stays replicated. gMLP's gating
        halves then live on different devices (exact, with extra communication).
        Sharded widths must be multiples of the size of `model_axis`. On
        `Backbone` the map covers every family; on a family class, its own.

        Args:
            device_mesh: A `keras.distribution.DeviceMesh`.
            model_axis: Name of the mesh axis the MLPs are split over.

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
        patterns = {}
        for family in [cls] if cls.sharding else _families(cls):
            patterns.update(family.sharding)
        layout_map = keras.distribution.LayoutMap(device_mesh)
        for pattern, axes in patterns.items():
            layout_map[pattern] = tuple(model_axis if a == "model" else a for a in axes)
        return layout_map

    # Presets.

    @classmethod
    def from_preset(cls, preset, *, weights=None, **overrides):
        """Builds a backbone from a preset: a built-in name, a folder or a hub handle.

        Called on `Backbone` it builds any family, on a family class only that
        family's presets. Overriding a built-in preset's `image_size` resizes its
        patch-tied pretrained weights (see `keras_mlpmix.weights.patch_grid`).

        Args:
            preset: A built-in name (`list_presets()`), e.g. `"mixer_b16_224"`,
                or `"mixer_b16_224.goog_in21k"` with pretrained weights; a folder
                from `save_to_preset`; or `"hf://owner/repo"` (the `hub` extra).
            weights: None: the preset's weights if any, else fresh ones; True: the
                preset's (an error if none); False: fresh ones; or the path or
                `"hf://owner/repo"` of a checkpoint (`.npz`, `.safetensors`, `.pth`,
                `.bin`, a same-architecture `.weights.h5`) or a folder holding one.
            **overrides: Constructor arguments replacing the preset's (a misspelt
                one is an error); with the preset's weights, only those that keep
                their shapes, e.g. a built-in preset's `image_size`, the rates,
                epsilons, `approximate_gelu` or `dtype`.

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

        keras-hub's layout: `config.json`, `model.weights.h5` and `metadata.json`
        (versions, parameter count, date, image size and `metadata`). It loads on
        every backend with the same outputs.

        Args:
            directory: The folder to write; it must not exist or be empty, unless
                `overwrite`.
            overwrite: Replace the files of an earlier preset in `directory`.
            **metadata: `source`, `license`, `description` (strings), `mean` and
                `std` (the normalisation the weights expect).

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
        preset_files.write_preset(
            self, directory, check_bool("overwrite", overwrite), recorded
        )


def _arguments(constructor) -> list[str]:
    """The names of a backbone constructor's arguments, but the blocks and norm."""
    return [
        name for name in own_arguments(constructor) if name not in ("block", "norm")
    ]


def _families(cls) -> list:
    """The family classes below `cls`, those that set their own sharding."""
    found = []
    for subclass in cls.__subclasses__():
        if subclass.sharding:
            found.append(subclass)
        found += _families(subclass)
    return found
