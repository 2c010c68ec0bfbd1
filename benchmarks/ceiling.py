"""The matmul ceiling: how fast this backend multiplies a model's matrices.

A model made of matrix products cannot run faster than the products alone.
`matmul_ceiling` times each distinct product of a model, on the current
backend, compiled and in the dtype policy the model itself runs with, and
adds the times up: the result is the time a forward pass would take if
everything but its matrix products were free. A model's measured time
divided into that gives the fraction of the ceiling it reaches. For a
training step, `backward_shapes` adds the two products of each product's
backward pass, timed the same way.
"""

from __future__ import annotations

import dataclasses
import math

import keras
import numpy as np
from keras import ops
from timing import Timing, time_calls

from keras_mlpmix.models import MatmulShape


class _ReducedProducts(keras.layers.Layer):
    """`copies` independent products `x_i @ W_i`, each summed over its columns.

    Inputs are `(1, copies, m, k)`; every product has its own operands, so
    that no compiler can merge them into one larger product. With
    `columns=None` there are no products and the layer only sums its
    `(1, copies, m, n)` inputs: the cost of the reductions, which
    `time_gemm` subtracts.
    """

    def __init__(self, columns: int | None, **kwargs):
        super().__init__(**kwargs)
        self.columns = columns

    def build(self, input_shape):
        _, copies, _, width = input_shape
        if self.columns is not None:
            self.kernel = self.add_weight(
                shape=(copies, width, self.columns), initializer="glorot_uniform"
            )

    def call(self, inputs):
        total = 0.0
        for i in range(inputs.shape[1]):
            product = inputs[0, i]
            if self.columns is not None:
                product = ops.matmul(product, self.kernel[i])
            total = total + ops.sum(product, axis=-1)
        return total[None]


@dataclasses.dataclass(frozen=True)
class MatmulShapeTiming:
    """One product's shape, its timing and the FLOP rate it reached."""

    gemm: MatmulShape
    timing: Timing

    @property
    def gflops_per_s(self) -> float:
        seconds = self.timing.median_s
        # A product too small to time apart from its reduction has no rate.
        return (
            self.gemm.flops / self.gemm.count / seconds / 1e9 if seconds else math.nan
        )


def time_gemm(
    gemm: MatmulShape,
    dtype: str = "float32",
    jit_compile: bool | str = "auto",
    warmup: int = 2,
    repeats: int = 5,
    min_flops_per_call: float = 1e9,
) -> MatmulShapeTiming:
    """Times one `(m, k) x (k, n)` product on the current backend.

    The product runs in a compiled Keras model (`jit_compile` as for
    `Model.compile`) on operands already converted to backend tensors.
    Small products are repeated with distinct operands within one call
    until the call does at least `min_flops_per_call` FLOPs (at most 64
    copies), so that the cost of calling the model does not swamp them.
    Each product's output is summed over `n` before it is returned, so that
    no large copy is timed, and the time of those sums, measured alone on
    inputs of the products' output shape, is subtracted.

    Example:

    >>> from ceiling import time_gemm
    >>> from keras_mlpmix.models import MatmulShape
    >>> result = time_gemm(MatmulShape("toy", 64, 32, 16), warmup=1, repeats=2,
    ...                    min_flops_per_call=0)
    >>> result.timing.median_s >= 0
    True
    """
    compute_dtype = keras.DTypePolicy(dtype).compute_dtype
    flops = 2 * gemm.m * gemm.k * gemm.n
    copies = int(min(64, max(1, math.ceil(min_flops_per_call / flops))))

    def time_call(columns, width):
        inputs = keras.Input((copies, gemm.m, width), batch_size=1, dtype=compute_dtype)
        model = keras.Model(inputs, _ReducedProducts(columns, dtype=dtype)(inputs))
        model.compile(jit_compile=jit_compile)
        operands = ops.convert_to_tensor(
            np.random.default_rng(0).standard_normal((1, copies, gemm.m, width)),
            dtype=compute_dtype,
        )
        return time_calls(lambda: model.predict_on_batch(operands), warmup, repeats)

    total = time_call(gemm.n, gemm.k)
    reduction = time_call(None, gemm.n).median_s
    timing = Timing(
        max(total.median_s - reduction, 0.0) / copies,
        max(total.min_s - reduction, 0.0) / copies,
        max(total.max_s - reduction, 0.0) / copies,
        total.repeats,
    )
    return MatmulShapeTiming(gemm, timing)


def matmul_ceiling(
    gemms: list[MatmulShape],
    dtype: str = "float32",
    jit_compile: bool | str = "auto",
    warmup: int = 2,
    repeats: int = 5,
) -> tuple[float, list[MatmulShapeTiming]]:
    """Seconds that the products of `gemms` take, and each one's timing.

    Each distinct shape is timed once (see `time_gemm`) and weighted by how
    often it occurs.

    Returns:
        `(seconds, timings)`: the summed median time of all products of one
        forward pass, and one `MatmulShapeTiming` per entry of `gemms`.
    """
    measured = {}
    timings = []
    for gemm in gemms:
        shape = (gemm.m, gemm.k, gemm.n)
        if shape not in measured:
            measured[shape] = time_gemm(gemm, dtype, jit_compile, warmup, repeats)
        timings.append(MatmulShapeTiming(gemm, measured[shape].timing))
    seconds = sum(t.timing.median_s * t.gemm.count for t in timings)
    return seconds, timings


def backward_shapes(gemms: list[MatmulShape]) -> list[MatmulShape]:
    """The products of the backward pass of `gemms`, two per product.

    For `Y = X W` with `X` `(m, k)` and the weight `W` `(k, n)`: the input's
    gradient `dY W^T`, `(m, n)` by `(n, k)`, and the weight's `X^T dY`,
    `(k, m)` by `(m, n)`. The stem's input is the images, which need no
    gradient, so it has only the weight's.

    Example:

    >>> from ceiling import backward_shapes
    >>> from keras_mlpmix.models import MatmulShape
    >>> [(g.name, g.m, g.k, g.n) for g in backward_shapes([MatmulShape("fc", 8, 4, 2)])]
    [('fc.input_gradient', 8, 2, 4), ('fc.weight_gradient', 4, 8, 2)]
    """
    shapes = []
    for gemm in gemms:
        if gemm.name != "stem":
            shapes.append(
                MatmulShape(
                    f"{gemm.name}.input_gradient", gemm.m, gemm.n, gemm.k, gemm.count
                )
            )
        shapes.append(
            MatmulShape(
                f"{gemm.name}.weight_gradient", gemm.k, gemm.m, gemm.n, gemm.count
            )
        )
    return shapes
