"""List the named presets: family, image size, weights and description.

Every preset can be trained with `keras-mlpmix train --preset NAME`. The
weights column counts a head of the preset's number of classes (1000 for
the ImageNet sizes, 100 for the CIFAR-100 ones); `train` replaces the head
with one sized for the dataset.
"""

from __future__ import annotations

import keras

from keras_mlpmix.models import list_presets

HELP = "list the named presets"


def add_arguments(parser) -> None:
    """`presets` takes no options besides `--backend`."""


def run(args) -> None:
    list_presets()
    print(
        "\nTrain one with: keras-mlpmix train --preset NAME --dataset DATASET "
        f"(Keras {keras.__version__}, running on the {keras.backend.backend()} backend)."
    )
