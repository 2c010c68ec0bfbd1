"""List the named presets: family, image size, weights and description.

Every preset can be trained with `keras-mlpmix train --preset NAME`. The
weights column counts a head of the preset's number of classes (1000 for
the ImageNet sizes, 100 for the CIFAR-100 ones); `train` replaces the head
with one sized for the dataset.
"""

from __future__ import annotations

HELP = "list the named presets"


def add_arguments(parser) -> None:
    """`presets` takes no options besides `--backend`."""


def run(args) -> None:
    # Imported here, once `main` has chosen the Keras backend.
    from keras_mlpmix.cli import run_presets

    run_presets.print_presets()
