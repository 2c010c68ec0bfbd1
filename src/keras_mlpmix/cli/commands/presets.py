"""List the named presets: family, image size, weights and description.

Weights count a head of the preset's classes (1000 for ImageNet, 100 for CIFAR-100);
`keras-mlpmix train --preset NAME` sizes the head for the dataset.
"""

from __future__ import annotations

HELP = "list the named presets"


def add_arguments(parser) -> None:
    """`presets` takes no options besides `--backend`."""
