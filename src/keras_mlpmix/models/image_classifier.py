"""An image classifier: a backbone, pooling over tokens and a linear head."""

from __future__ import annotations

import types

import keras

from keras_mlpmix.errors import InvalidTypeError, InvalidValueError
from keras_mlpmix.layers import HashDropout
from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_bool,
    check_choice,
    check_dtype_policy,
    check_keywords,
    check_positive_int,
    check_rate,
    own_arguments,
)
from keras_mlpmix.models import preset_files, preset_sources
from keras_mlpmix.models.backbone import Backbone, MatmulShape
from keras_mlpmix.models.image_preprocessor import ImagePreprocessor
from keras_mlpmix.models.xla_model import XLAModel

POOLINGS = ("avg", "max", None)
_POOLING_LAYERS = {
    "avg": keras.layers.GlobalAveragePooling1D,
    "max": keras.layers.GlobalMaxPooling1D,
}


class _PresetDefault:
    """The default of a `from_preset` argument: whatever the preset says."""

    def __repr__(self):
        return "<the preset's>"


PRESET_DEFAULT = _PresetDefault()


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class ImageClassifier(XLAModel):
    """Classifies images with a backbone, token pooling and a linear head.

    The head of MLP-Mixer, gMLP and ResMLP: tokens averaged over the patches,
    then a dense layer; with `pooling=None`, per-patch logits `(B, N, K)`
    (timm's `global_pool=''`). With a `preprocessor` it takes raw channels-last
    images of any size, else images of the backbone's size and normalisation.

    Args:
        backbone: A `Backbone` (e.g. `MLPMixerBackbone`).
        num_classes: Number of classes, i.e. of logits.
        pooling: `"avg"` (the papers'), `"max"`, or None for per-token logits.
        dropout_rate: Dropout on the pooled features, before the head.
        preprocessor: Optional `ImagePreprocessor` applied first; its
            `image_size` must equal the backbone's.
        head_dtype: Dtype policy of the head (e.g. `"float32"` for float32
            logits under mixed precision); defaults to the backbone's.
        name: Name of the model.
        trainable: Whether the weights are trainable.

    Example:

    >>> import numpy as np
    >>> from keras_mlpmix.models import ImageClassifier, gMLPBackbone
    >>> backbone = gMLPBackbone(
    ...     image_size=32, patch_size=8, hidden_dim=16, num_blocks=2, ffn_dim=32)
    >>> classifier = ImageClassifier(backbone, num_classes=10)
    >>> tuple(classifier(np.zeros((2, 32, 32, 3), "float32")).shape)
    (2, 10)
    """

    def __init__(
        self,
        backbone: Backbone,
        num_classes: int,
        pooling: str | None = "avg",
        dropout_rate: float = 0.0,
        preprocessor: ImagePreprocessor | None = None,
        head_dtype=None,
        name=None,
        trainable: bool = True,
        **kwargs,
    ):
        check_keywords(
            "ImageClassifier",
            kwargs,
            own_arguments(ImageClassifier.__init__),
        )
        if not isinstance(backbone, Backbone):
            raise InvalidTypeError(
                "`backbone` must be a keras_mlpmix Backbone, such as MLPMixerBackbone. "
                f"Received: backbone of type {type(backbone).__name__}."
            )
        num_classes = check_positive_int("num_classes", num_classes)
        pooling = check_choice("pooling", pooling, POOLINGS)
        dropout_rate = check_rate("dropout_rate", dropout_rate)
        if preprocessor is not None and (
            not isinstance(preprocessor, ImagePreprocessor)
            or preprocessor.image_size != backbone.image_size
        ):
            raise InvalidValueError(
                "`preprocessor` must be None or an ImagePreprocessor whose "
                f"image_size equals the backbone's, {backbone.image_size}. "
                f"Received: preprocessor={preprocessor!r} with image_size="
                f"{getattr(preprocessor, 'image_size', None)}."
            )
        head_dtype = check_dtype_policy("head_dtype", head_dtype)
        dtype = backbone.dtype_policy

        if preprocessor is None:
            x = images = keras.Input(shape=backbone.input_shape[1:], name="images")
        else:
            images = keras.Input(shape=(None, None, 3), name="images")
            x = preprocessor(images)
        x = backbone(x)
        if pooling is not None:
            # Tokens are (batch, patches, channels) whatever the image format.
            x = _POOLING_LAYERS[pooling](
                data_format="channels_last", dtype=dtype, name="pooling"
            )(x)
        x = HashDropout(dropout_rate, dtype=dtype, name="head_dropout")(x)
        logits = keras.layers.Dense(
            num_classes, dtype=head_dtype or dtype, name="head"
        )(x)
        super().__init__(inputs=images, outputs=logits, name=name, trainable=trainable)

        self.backbone = backbone
        self.num_classes = num_classes
        self.pooling = pooling
        self.dropout_rate = dropout_rate
        self.preprocessor = preprocessor
        self.head_dtype = head_dtype

    def get_config(self):
        # The constructor arguments, nested models serialised (see Backbone.get_config).
        return arguments_config(self)

    @classmethod
    def from_config(cls, config):
        # The backbone and preprocessor arrive serialised and must be rebuilt.
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        if config.get("preprocessor") is not None:
            config["preprocessor"] = keras.saving.deserialize_keras_object(
                config["preprocessor"]
            )
        return cls(**config)

    # What the checkpoint loaders ask (keras_mlpmix.weights.loading).

    @property
    def approximate_gelu(self) -> bool:
        return self.backbone.approximate_gelu

    @property
    def patch_grid(self) -> tuple[int, int]:
        return self.backbone.patch_grid

    def describe(self) -> str:
        """One line naming the classifier, its backbone and head, for messages."""
        return (
            f"ImageClassifier {self.name!r} ({self.num_classes} classes) on "
            f"{self.backbone.describe()}"
        )

    def load_hint(self) -> str:
        return (
            f" It has {self.num_classes} classes: weights saved with another "
            f"number of classes do not fit its head.{self.backbone.load_hint()}"
        )

    def checkpoint_rules(self, layout):
        """The backbone's rules (see `Backbone.checkpoint_rules`) and the head's."""
        return [
            *self.backbone.checkpoint_rules(layout),
            *layout.dense("head", self.get_layer("head"), head=True),
        ]

    def matmul_shapes(self, batch_size: int = 1) -> list[MatmulShape]:
        """The backbone's matrix products (`Backbone.matmul_shapes`) and the head's."""
        rows = batch_size * (1 if self.pooling else self.backbone.num_patches)
        return [
            *self.backbone.matmul_shapes(batch_size),
            MatmulShape("head", rows, self.backbone.hidden_dim, self.num_classes),
        ]

    # Changing the head.

    def with_num_classes(self, num_classes: int, *, pooling=PRESET_DEFAULT):
        """A new classifier with a fresh head on the same backbone.

        timm's `reset_classifier`: the backbone is shared, not copied; the
        preprocessor, dropout and head dtype are kept.

        Args:
            num_classes: The new number of classes.
            pooling: `"avg"`, `"max"` or None (per-token logits); defaults to
                this classifier's.

        Example:

        >>> from keras_mlpmix.models import ImageClassifier
        >>> classifier = ImageClassifier.from_preset("mixer_cifar100", num_blocks=1)
        >>> tokens = classifier.with_num_classes(4, pooling=None)
        >>> tokens.output_shape, tokens.backbone is classifier.backbone
        ((None, 64, 4), True)
        """
        return ImageClassifier(
            self.backbone,
            num_classes=num_classes,
            pooling=self.pooling if pooling is PRESET_DEFAULT else pooling,
            dropout_rate=self.dropout_rate,
            preprocessor=self.preprocessor,
            head_dtype=self.head_dtype,
        )

    # Presets.

    @classmethod
    def from_preset(
        cls,
        preset,
        num_classes: int | None = None,
        include_preprocessing=PRESET_DEFAULT,
        pooling=PRESET_DEFAULT,
        dropout_rate: float | None = None,
        head_dtype=PRESET_DEFAULT,
        weights=None,
        **overrides,
    ):
        """Builds a classifier from a preset: a built-in name, a folder or a hub handle.

        `preset` is as for `Backbone.from_preset`; a folder's classifier comes
        back as saved. With another `num_classes` than the weights', all but the
        head is loaded and the head starts fresh, ready for fine-tuning.

        Args:
            preset: A preset name, e.g. `"gmlp_cifar100"` or, with pretrained
                weights, `"mixer_b16_224.goog_in21k_ft_in1k"`; a preset folder;
                or `"hf://owner/repo"`.
            num_classes: Number of classes; defaults to the preset's (1000 for
                the ImageNet sizes, 100 for the CIFAR-100 ones, else the
                checkpoint's or the saved classifier's).
            include_preprocessing: Put an `ImagePreprocessor` with the preset's
                normalisation in front, for raw `[0, 255]` images of any size.
                Defaults to False, or what a folder saved.
            pooling: See `ImageClassifier`; defaults to `"avg"` or what was saved.
            dropout_rate: Dropout before the head; defaults to the preset's.
            head_dtype: See `ImageClassifier`; defaults to the backbone's or
                what was saved.
            weights: Which weights to load; see `Backbone.from_preset`.
            **overrides: Backbone arguments replacing the preset's; see
                `Backbone.from_preset`. A misspelt one is an error.

        Raises:
            ValueError: for an unknown preset or overrides that do not fit its
                weights.
            TypeError: for an argument that neither the classifier nor the
                preset's backbone takes.

        Example:

        >>> import numpy as np
        >>> from keras_mlpmix.models import ImageClassifier
        >>> classifier = ImageClassifier.from_preset(
        ...     "fnet_cifar100", include_preprocessing=True, num_blocks=1)
        >>> images = np.zeros((2, 32, 32, 3), "uint8")
        >>> tuple(classifier(images).shape)
        (2, 100)
        """
        source = preset_sources.open_preset(preset)
        backbone_cls = source.backbone_class(Backbone)
        if set(overrides) - backbone_cls.argument_names():
            own = set(own_arguments(cls.from_preset))
            check_keywords(
                f"ImageClassifier.from_preset({preset!r})",
                overrides,
                backbone_cls.argument_names() | own,
            )
        loader = source.weights_loader(weights, overrides)
        backbone = backbone_cls(**source.backbone_config(overrides))
        saved = source.classifier_defaults()
        preprocessor = saved["preprocessor"]
        if include_preprocessing is not PRESET_DEFAULT:
            metadata = source.metadata()
            preprocessor = (
                ImagePreprocessor(
                    backbone.image_size,
                    mean=metadata["mean"],
                    std=metadata["std"],
                    name="preprocessor",
                )
                if check_bool("include_preprocessing", include_preprocessing)
                else None
            )
        elif preprocessor is not None:
            preprocessor = keras.saving.deserialize_keras_object(preprocessor)

        def chosen(value, key, unset=PRESET_DEFAULT):
            return saved[key] if value is unset else value

        classifier = cls(
            backbone,
            num_classes=chosen(num_classes, "num_classes", unset=None),
            pooling=chosen(pooling, "pooling"),
            dropout_rate=chosen(dropout_rate, "dropout_rate", unset=None),
            preprocessor=preprocessor,
            head_dtype=chosen(head_dtype, "head_dtype"),
        )
        if loader is not None:
            loader.load(classifier)
        classifier.preset_metadata = types.MappingProxyType(source.metadata())
        return classifier

    def save_to_preset(self, directory, *, overwrite: bool = False, **metadata):
        """Saves the classifier as a preset folder that `from_preset` loads.

        The backbone's files (`Backbone.save_to_preset`) plus `task.json` and
        `task.weights.h5`; `metadata.json` also records the classes and, unless
        `metadata` says otherwise, a source preset's normalisation, source,
        licence and description. It loads on every backend with the same logits.

        Args:
            directory: The folder to write; it must not exist or be empty, unless
                `overwrite`.
            overwrite: Replace the files of an earlier preset in `directory`.
            **metadata: `class_names` (one string per class), `source`,
                `license`, `description` (strings), `mean` and `std`.

        Raises:
            ValueError: if `directory` is not empty (without `overwrite`) or
                `class_names` does not name every class.
            TypeError: for an unknown metadata field.

        Example:

        >>> import os, tempfile
        >>> import numpy as np
        >>> from keras_mlpmix.models import ImageClassifier
        >>> classifier = ImageClassifier.from_preset(
        ...     "mixer_cifar100", num_classes=3, num_blocks=1,
        ...     include_preprocessing=True)
        >>> folder = os.path.join(tempfile.mkdtemp(), "my_mixer")
        >>> classifier.save_to_preset(folder, class_names=["cat", "dog", "fox"])
        >>> sorted(os.listdir(folder))
        ['config.json', 'metadata.json', 'model.weights.h5', 'task.json', 'task.weights.h5']
        >>> images = np.zeros((1, 32, 32, 3), "uint8")
        >>> reloaded = ImageClassifier.from_preset(folder)
        >>> bool(np.allclose(reloaded.predict(images, verbose=0),
        ...                  classifier.predict(images, verbose=0)))
        True
        """
        recorded = preset_files.recorded_metadata(
            getattr(self, "preset_metadata", {}), metadata, self.num_classes
        )
        preset_files.write_preset(
            self, directory, check_bool("overwrite", overwrite), recorded
        )
