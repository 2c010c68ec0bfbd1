"""Benchmarks: throughput of the presets against the matmul ceiling and timm.

`python -m keras_mlpmix.benchmark --preset mixer_b16_224 --timm`
times a preset on the backend named by `KERAS_BACKEND`; see `run_benchmark`.
"""

from keras_mlpmix.benchmark.run import format_table, run_benchmark

__all__ = ["format_table", "run_benchmark"]
