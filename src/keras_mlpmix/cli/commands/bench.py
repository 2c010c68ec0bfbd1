"""Measure a preset's speed on this machine and backend.

Times the preset's classifier (fresh weights, no download): inference at each
batch size and one AdamW training step, the median of the timed calls after
untimed warm-up, and prints images per second, the rate of its matrix products
and the device. The repository's benchmarks/ folder compares with timm.

example:
  keras-mlpmix bench --preset mixer_cifar100 --batch-sizes 1 64
"""

from __future__ import annotations

import pathlib

from keras_mlpmix.cli.options import non_negative_int, positive_int

HELP = "time a preset's inference and training step on this machine"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--preset",
        default="mixer_cifar100",
        help="the preset to time (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-sizes",
        metavar="N",
        type=positive_int,
        nargs="+",
        default=[1, 16],
        help="inference batch sizes (default: 1 16)",
    )
    parser.add_argument(
        "--train-batch-size",
        metavar="N",
        type=positive_int,
        default=16,
        help="batch size of the timed training step (default: %(default)s)",
    )
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=["float32", "mixed_bfloat16", "mixed_float16"],
        help="dtype policy (default: %(default)s)",
    )
    parser.add_argument(
        "--jit-compile",
        default="auto",
        choices=["auto", "true", "false"],
        help="XLA on TensorFlow/JAX, torch.compile on PyTorch (default: "
        "%(default)s, as Model.compile)",
    )
    parser.add_argument(
        "--warmup",
        metavar="N",
        type=non_negative_int,
        default=2,
        help="untimed calls first (default: %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        metavar="N",
        type=positive_int,
        default=5,
        help="timed calls (default: %(default)s)",
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        type=pathlib.Path,
        help="also write the results as JSON to FILE (default: table only)",
    )
