"""The training recipe of the keras-io CIFAR-100 example and its augmentation layer."""

from __future__ import annotations

import dataclasses
import math

import keras
from keras import ops

from keras_mlpmix.layers.argument_checks import (
    arguments_config,
    check_bool,
    check_epsilon,
    check_keywords,
    check_positive_int,
    check_rank,
    check_rate,
)
from keras_mlpmix.models import Backbone, preset_sources

# The fraction of each weight the example's TF-Addons AdamW removed per step.
PUBLISHED_DECAY_PER_STEP = 1e-4


def _reflect(index, size: int):
    """Folds integer pixel indices into [0, size) by mirroring at the edges."""
    index = ops.mod(index, 2 * size)
    return ops.where(index >= size, 2 * size - 1 - index, index)


@keras.saving.register_keras_serializable(package="keras_mlpmix")
class RandomZoomRotation(keras.layers.Layer):
    """Zooms and rotates each image by a random amount, during training only.

    `keras.layers.RandomZoom` then `RandomRotation` in one bilinear resampling of
    the batch: angles uniform in `[-rotation_factor, rotation_factor] * 2 pi`,
    height and width zooms drawn independently from `[-zoom_factor, zoom_factor]`
    (positive zooms out); outside pixels mirror the edges (Keras's `"reflect"`).
    The Keras layers resample image by image on PyTorch, several times slower;
    this costs about the same on every backend. At inference it returns its
    input, cast to the compute dtype.

    Args:
        rotation_factor: Largest rotation, as a fraction of a turn, in [0, 1).
        zoom_factor: Largest relative zoom, in [0, 1).
        seed: Seed of the random draws.
        **kwargs: Standard layer arguments (`name`, `dtype`, ...).

    Example:

    >>> import keras
    >>> import numpy as np
    >>> from keras_mlpmix.training import RandomZoomRotation
    >>> images = np.random.rand(4, 32, 32, 3).astype("float32")
    >>> layer = RandomZoomRotation(rotation_factor=0.02, zoom_factor=0.2, seed=0)
    >>> tuple(layer(images, training=True).shape)
    (4, 32, 32, 3)
    >>> bool(np.all(keras.ops.convert_to_numpy(layer(images)) == images))  # inference
    True
    """

    def __init__(
        self,
        rotation_factor: float = 0.02,
        zoom_factor: float = 0.2,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.rotation_factor = check_rate("rotation_factor", rotation_factor)
        self.zoom_factor = check_rate("zoom_factor", zoom_factor)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._build_at_init()

    def _uniform(self, batch, limit):
        return keras.random.uniform(
            (batch, 1, 1), -limit, limit, seed=self.seed_generator
        )

    def call(self, images, training=False):
        check_rank(
            "RandomZoomRotation", images.shape, 4, "(batch, height, width, channels)"
        )
        if not training:
            return ops.cast(images, self.compute_dtype)
        x = ops.cast(images, "float32")
        batch, height, width, channels = ops.shape(x)
        angle = self._uniform(batch, self.rotation_factor * 2 * math.pi)
        zoom_y = 1 + self._uniform(batch, self.zoom_factor)
        zoom_x = 1 + self._uniform(batch, self.zoom_factor)
        # Where each output pixel comes from: zoom, then rotate, about the centre.
        rows, cols = ops.meshgrid(
            ops.arange(height, dtype="float32") - (height - 1) / 2,
            ops.arange(width, dtype="float32") - (width - 1) / 2,
            indexing="ij",
        )
        rows, cols = rows[None] * zoom_y, cols[None] * zoom_x
        cos, sin = ops.cos(angle), ops.sin(angle)
        source_rows = cos * rows - sin * cols + (height - 1) / 2
        source_cols = sin * rows + cos * cols + (width - 1) / 2

        top, left = ops.floor(source_rows), ops.floor(source_cols)
        weight_rows = (source_rows - top)[..., None]
        weight_cols = (source_cols - left)[..., None]
        top, left = ops.cast(top, "int32"), ops.cast(left, "int32")
        pixels = ops.reshape(x, (-1, channels))
        offsets = ops.reshape(
            ops.arange(batch, dtype="int32") * height * width, (-1, 1, 1)
        )

        def tap(row, col):
            index = offsets + _reflect(row, height) * width + _reflect(col, width)
            return ops.take(pixels, index, axis=0)

        def blend(row):  # the two columns of `row`, weighted
            return tap(row, left) * (1 - weight_cols) + tap(row, left + 1) * weight_cols

        mixed = blend(top) * (1 - weight_rows) + blend(top + 1) * weight_rows
        return ops.cast(mixed, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), **arguments_config(self)}


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How the keras-io example "Image classification with modern MLP models" trains.

    AdamW on sparse categorical cross-entropy from logits; random horizontal flip,
    zoom (up to 20%) and rotation (up to 2% of a turn, this recipe's own:
    `rotation_factor=0` removes it); 10% held out for validation; the learning
    rate halved after 5 epochs without progress, training stopped after 10.
    Reports accuracy and top-5 accuracy.

    Weight decay: Keras 3's `AdamW` removes `learning_rate * weight_decay` of each
    weight per step; the TF-Addons one behind the published results removed 1e-4.
    The default `weight_decay`, `1e-4 / learning_rate` (0.02 at 0.005), matches it
    at the starting rate; a literal 1e-4 would decay about 200 times less.

    Args:
        learning_rate: AdamW's starting learning rate.
        weight_decay: Decoupled weight decay; `None` for `1e-4 / learning_rate`.
        batch_size: Images per step.
        epochs: Most epochs to train.
        validation_split: Fraction held out to choose the best epoch, in [0, 1).
        flip: Flip training images horizontally at random.
        rotation_factor: Largest random rotation, as a fraction of a turn.
        zoom_factor: Largest random zoom.

    Example:

    >>> from keras_mlpmix.training import Recipe
    >>> recipe = Recipe.for_preset("gmlp_cifar100")
    >>> recipe.learning_rate, round(recipe.weight_decay, 4), recipe.batch_size
    (0.003, 0.0333, 128)
    """

    learning_rate: float = 0.005
    weight_decay: float | None = None
    batch_size: int = 128
    epochs: int = 50
    validation_split: float = 0.1
    flip: bool = True
    rotation_factor: float = 0.02
    zoom_factor: float = 0.2

    def __post_init__(self):
        check_epsilon("learning_rate", self.learning_rate)
        if self.weight_decay is None:
            decay = PUBLISHED_DECAY_PER_STEP / self.learning_rate
            object.__setattr__(self, "weight_decay", decay)
        elif self.weight_decay != 0:
            check_epsilon("weight_decay", self.weight_decay)
        check_positive_int("batch_size", self.batch_size)
        check_positive_int("epochs", self.epochs)
        check_rate("validation_split", self.validation_split)
        check_rate("rotation_factor", self.rotation_factor)
        check_rate("zoom_factor", self.zoom_factor)
        check_bool("flip", self.flip)

    @classmethod
    def for_preset(cls, preset, **changes):
        """The recipe with the learning rate of the preset's family.

        0.005 for MLP-Mixer, 0.001 for FNet, 0.003 for gMLP and ResMLP (which the
        example lacks); see `Backbone.recipe_learning_rate`.

        Args:
            preset: A preset name, folder or `hf://` handle, as for `from_preset`.
            **changes: Fields to set; `None` values (unset options) are ignored.
        """
        check_keywords(
            "Recipe.for_preset", changes, (f.name for f in dataclasses.fields(cls))
        )
        family = preset_sources.open_preset(preset).backbone_class(Backbone)
        changes = {key: value for key, value in changes.items() if value is not None}
        return cls(**{"learning_rate": family.recipe_learning_rate, **changes})

    def augmentation(self, seed: int | None = None) -> keras.Sequential:
        """The random flip, zoom and rotation of the training images."""
        # Distinct seeds, so that the layers' draws are independent.
        seeds = (None, None) if seed is None else (seed, seed + 1)
        layers = [
            RandomZoomRotation(self.rotation_factor, self.zoom_factor, seed=seeds[1])
        ]
        if self.flip:
            layers.insert(0, keras.layers.RandomFlip("horizontal", seed=seeds[0]))
        return keras.Sequential(layers, name="augmentation")

    def compile(self, model: keras.Model, **kwargs) -> None:
        """Compiles `model` (it returns logits) with the recipe's optimizer and loss."""
        model.compile(
            optimizer=keras.optimizers.AdamW(
                learning_rate=self.learning_rate, weight_decay=self.weight_decay
            ),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[
                keras.metrics.SparseCategoricalAccuracy(name="accuracy"),
                keras.metrics.SparseTopKCategoricalAccuracy(5, name="top5_accuracy"),
            ],
            **kwargs,
        )

    def callbacks(self) -> list:
        """Learning-rate halving and early stopping on the validation loss."""
        if not self.validation_split:
            return []
        return [
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=5
            ),
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=10, restore_best_weights=True
            ),
        ]

    def fit(
        self,
        classifier: keras.Model,
        images,
        labels,
        callbacks=(),
        seed: int | None = None,
        jit_compile="auto",
        verbose="auto",
    ):
        """Trains `classifier` on `images` with augmentation; returns the History.

        The augmentation runs in a wrapper model: save `classifier`, not the wrapper.

        Args:
            classifier: A model taking `images` and returning logits.
            images: Training images, e.g. `uint8` of shape `(N, H, W, 3)`.
            labels: Integer labels of shape `(N,)`.
            callbacks: Callbacks run after the recipe's.
            seed: Seed of the augmentation.
            jit_compile: Passed to `compile`.
            verbose: Passed to `fit` (`"auto"` shows progress bars).
        """
        inputs = keras.Input(images.shape[1:], name="images")
        trainer = keras.Model(
            inputs, classifier(self.augmentation(seed)(inputs)), name="trainer"
        )
        self.compile(trainer, jit_compile=jit_compile)
        return trainer.fit(
            images,
            labels,
            batch_size=self.batch_size,
            epochs=self.epochs,
            validation_split=self.validation_split,
            callbacks=[*self.callbacks(), *callbacks],
            verbose=verbose,
        )
