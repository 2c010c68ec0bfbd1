"""An image classifier: a backbone, pooling over tokens and a linear head."""

from __future__ import annotations

import keras

from keras_mlpmix.layers import HashDropout
from keras_mlpmix.layers.argument_checks import check_positive_int, check_rate
from keras_mlpmix.models import presets
from keras_mlpmix.models.backbone import Backbone
from keras_mlpmix.models.image_preprocessor import ImagePreprocessor
from keras_mlpmix.models.xla_model import XLAModel

_POOLING = {
    "avg": keras.layers.GlobalAveragePooling1D,
    "max": keras.layers.GlobalMaxPooling1D,
}


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class ImageClassifier(XLAModel):
    """Classifies images with a backbone, token pooling and a linear head.

    The head of MLP-Mixer (Tolstikhin et al., 2021, Fig. 1) and gMLP (Liu et
    al., 2021): the backbone's token features are averaged over the patches
    ("global average pooling") and a dense layer gives the class logits.
    An optional `ImagePreprocessor` in front lets the model take raw images
    of any size (e.g. `uint8`); without it the inputs must already have the
    backbone's size and normalisation.
    `compile()` picks XLA on TensorFlow as on JAX (see `XLAModel`).

    Args:
        backbone: A `Backbone` (e.g. `MLPMixerBackbone`).
        num_classes: Number of classes; the model returns that many logits.
        pooling: `"avg"` (the papers') or `"max"` pooling over the patches.
        dropout_rate: Dropout on the pooled features, before the head.
        preprocessor: Optional `ImagePreprocessor` applied first; its
            `image_size` must equal the backbone's.
        head_dtype: Dtype policy of the head, e.g. `"float32"` for float32
            logits under mixed precision. Defaults to the backbone's.
        **kwargs: Standard model arguments (`name`, `trainable`).

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
        pooling: str = "avg",
        dropout_rate: float = 0.0,
        preprocessor: ImagePreprocessor | None = None,
        head_dtype=None,
        **kwargs,
    ):
        if not isinstance(backbone, Backbone):
            raise TypeError(
                "`backbone` must be a keras_mlpmix Backbone, such as MLPMixerBackbone. "
                f"Received: backbone of type {type(backbone).__name__}."
            )
        num_classes = check_positive_int("num_classes", num_classes)
        if pooling not in _POOLING:
            raise ValueError(
                f"`pooling` must be one of {tuple(_POOLING)}. "
                f"Received: pooling={pooling!r}."
            )
        dropout_rate = check_rate("dropout_rate", dropout_rate)
        if preprocessor is not None and (
            not isinstance(preprocessor, ImagePreprocessor)
            or preprocessor.image_size != backbone.image_size
        ):
            raise ValueError(
                "`preprocessor` must be None or an ImagePreprocessor whose "
                f"image_size equals the backbone's, {backbone.image_size}. "
                f"Received: preprocessor={preprocessor!r} with image_size="
                f"{getattr(preprocessor, 'image_size', None)}."
            )
        head_dtype = (
            None if head_dtype is None else keras.dtype_policies.get(head_dtype)
        )
        dtype = backbone.dtype_policy

        if preprocessor is None:
            images = keras.Input(shape=backbone.input_shape[1:], name="images")
            x = images
        else:
            images = keras.Input(shape=(None, None, 3), name="images")
            x = preprocessor(images)
        x = backbone(x)
        x = _POOLING[pooling](dtype=dtype, name="pooling")(x)
        x = HashDropout(dropout_rate, dtype=dtype, name="head_dropout")(x)
        logits = keras.layers.Dense(
            num_classes, dtype=head_dtype or dtype, name="head"
        )(x)
        super().__init__(inputs=images, outputs=logits, **kwargs)

        self.backbone = backbone
        self.num_classes = num_classes
        self.pooling = pooling
        self.dropout_rate = dropout_rate
        self.preprocessor = preprocessor
        self.head_dtype = head_dtype

    def load_weights(self, filepath, *args, **kwargs):
        with self.backbone.explain_load_errors(filepath):
            super().load_weights(filepath, *args, **kwargs)

    def get_config(self):
        # The constructor arguments, with the nested models serialised; see
        # Backbone.get_config.
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "num_classes": self.num_classes,
            "pooling": self.pooling,
            "dropout_rate": self.dropout_rate,
            "preprocessor": None
            if self.preprocessor is None
            else keras.saving.serialize_keras_object(self.preprocessor),
            "head_dtype": None
            if self.head_dtype is None
            else keras.dtype_policies.serialize(self.head_dtype),
        }

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

    @classmethod
    def from_preset(
        cls,
        name: str,
        num_classes: int | None = None,
        include_preprocessing: bool = False,
        pooling: str = "avg",
        dropout_rate: float | None = None,
        head_dtype=None,
        weights=None,
        **overrides,
    ):
        """Builds the classifier of a named preset (see `list_presets()`).

        With pretrained weights and another `num_classes` than the
        checkpoint's, everything but the head is loaded and the head is
        freshly initialised, ready for fine-tuning; with another
        `image_size`, the weights tied to the patch grid are resized.

        Args:
            name: Preset name, e.g. `"gmlp_cifar100"` or, with pretrained
                weights, `"mixer_b16_224.goog_in21k_ft_in1k"`.
            num_classes: Number of classes. Defaults to the preset's (1000
                for the ImageNet sizes, 100 for the CIFAR-100 ones, the
                checkpoint's for pretrained presets).
            include_preprocessing: Put an `ImagePreprocessor` with the
                preset's normalisation in front, so that the model takes raw
                images in `[0, 255]` of any size.
            pooling: See `ImageClassifier`.
            dropout_rate: Dropout before the head. Defaults to the preset's.
            head_dtype: See `ImageClassifier`.
            weights: Which weights to load; see `Backbone.from_preset`.
            **overrides: Backbone arguments replacing the preset's; see
                `Backbone.from_preset`.

        Example:

        >>> import numpy as np
        >>> from keras_mlpmix.models import ImageClassifier
        >>> classifier = ImageClassifier.from_preset(
        ...     "fnet_cifar100", include_preprocessing=True, num_blocks=1)
        >>> images = np.zeros((2, 32, 32, 3), "uint8")
        >>> tuple(classifier(images).shape)
        (2, 100)
        """
        # The weights package builds on the models, hence imported here.
        from keras_mlpmix.weights import pretrained

        row = presets.get_preset(name)
        weights = pretrained.resolve(name, weights, overrides)
        backbone = Backbone.from_preset(name, weights=False, **overrides)
        preprocessor = (
            ImagePreprocessor(
                backbone.image_size,
                mean=row["mean"],
                std=row["std"],
                name="preprocessor",
            )
            if include_preprocessing
            else None
        )
        classifier = cls(
            backbone,
            num_classes=row["num_classes"] if num_classes is None else num_classes,
            pooling=pooling,
            dropout_rate=row["head_dropout_rate"]
            if dropout_rate is None
            else dropout_rate,
            preprocessor=preprocessor,
            head_dtype=head_dtype,
        )
        if weights is not False:
            pretrained.load(classifier, name, weights)
        return classifier
