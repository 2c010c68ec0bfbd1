"""Measure a preset's speed on this machine and backend.

Times the preset's classifier: inference at each batch size and one
training step (median, fastest and slowest of the timed calls after
untimed warm-up ones), images per second, the FLOP rate of its matrix
products, the process's peak memory, and the fraction of the matmul
ceiling reached: the time the model's own matrix products take alone on
this backend. With --timm, timm's model of the same architecture runs in
the same process and each of its results shows our speed-up over it.

example:
  keras-mlpmix bench --preset mixer_b16_224 --batch-sizes 1 16 --timm
"""

from __future__ import annotations

from keras_mlpmix.benchmark import run as benchmark

HELP = "time a preset: images/s, fraction of the matmul ceiling, vs timm"


def add_arguments(parser) -> None:
    benchmark.add_arguments(parser)


def run(args) -> None:
    benchmark.run_from_args(args)
