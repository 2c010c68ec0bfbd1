"""List the named presets: family, image size, weights and description.

Weights count a head of the preset's classes (1000 for ImageNet, 100 for CIFAR-100);
`keras-mlpmix train --preset NAME` sizes the head for the dataset.
"""

from __future__ import annotations

HELP = "list the named presets"


def add_arguments(parser) -> None:
    """`presets` takes no options besides `--backend`."""


def run(args) -> None:
    # Imported here, once `main` has chosen the Keras backend.
    from keras_mlpmix.cli import run_presets

    run_presets.print_presets()
