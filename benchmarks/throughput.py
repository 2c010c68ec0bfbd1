"""Inference throughput and training-step time of a Keras image classifier."""

from __future__ import annotations

import dataclasses
import time

import keras
import numpy as np
from keras import ops
from timing import PeakMemory, Timing, time_calls


@dataclasses.dataclass(frozen=True)
class Measurement:
    """One timed task of one implementation at one batch size.

    Attributes:
        implementation: Who ran it, e.g. `"keras_mlpmix (jax)"`.
        task: `"inference"` or `"train_step"`.
        batch_size: Images per call.
        timing: Seconds per call.
        flops: Matrix-product FLOPs of one call (a training step counts
            three forward passes: forward, and two products per product
            backward).
        peak_memory_bytes: Largest resident memory of the process seen
            while the task was timed, or None if not measured.
        added_memory_bytes: How far the resident memory rose above its
            value when timing began, or None if not measured.
        first_call_s: Seconds of the first call, compilation included, or
            None if not measured apart.
    """

    implementation: str
    task: str
    batch_size: int
    timing: Timing
    flops: int
    peak_memory_bytes: int | None = None
    added_memory_bytes: int | None = None
    first_call_s: float | None = None

    @property
    def images_per_s(self) -> float:
        return self.batch_size / self.timing.median_s

    @property
    def gflops_per_s(self) -> float:
        return self.flops / self.timing.median_s / 1e9


def measure(
    fn,
    implementation: str,
    task: str,
    batch_size: int,
    flops: int,
    warmup: int = 3,
    repeats: int = 10,
    time_first_call: bool = False,
) -> Measurement:
    """Times `fn()` (see `time_calls`) while sampling the process's memory.

    With `time_first_call`, one more call before the warmup is timed on its
    own (`first_call_s`): the one that compiles, for a compiled `fn`.
    """
    first_call_s = None
    if time_first_call:
        start = time.perf_counter()
        fn()
        first_call_s = time.perf_counter() - start
    with PeakMemory() as memory:
        timing = time_calls(fn, warmup, repeats)
    return Measurement(
        implementation,
        task,
        batch_size,
        timing,
        flops,
        memory.peak_bytes,
        memory.added_bytes,
        first_call_s,
    )


def lowest_medians(measurements: list[Measurement]) -> list[Measurement]:
    """Of repeated measurements of one task, the one with the lowest median.

    One per (implementation, task, batch size), in the order first seen:
    with rounds of each implementation interleaved, a stretch of load on
    the machine slows one round, not the result. A first call timed in any
    round is kept.
    """
    kept = {}
    for measurement in measurements:
        key = (measurement.implementation, measurement.task, measurement.batch_size)
        previous = kept.get(key, measurement)
        best = min(previous, measurement, key=lambda m: m.timing.median_s)
        first_call_s = previous.first_call_s or measurement.first_call_s
        kept[key] = dataclasses.replace(best, first_call_s=first_call_s)
    return list(kept.values())


def random_images(batch_size: int, image_size: tuple, dtype="float32", seed=0):
    """A backend tensor of `batch_size` random images, made before timing."""
    images = np.random.default_rng(seed).random((batch_size, *image_size, 3))
    return ops.convert_to_tensor(images, dtype=dtype)


def first_predict_seconds(model: keras.Model, batch_size: int) -> float:
    """Seconds of a compiled model's first `predict_on_batch`, tracing included."""
    images = random_images(batch_size, model.input_shape[1:3])
    start = time.perf_counter()
    model.predict_on_batch(images)
    return time.perf_counter() - start


def measure_inference(
    model: keras.Model,
    batch_size: int,
    flops_per_image: int,
    implementation: str,
    warmup: int = 3,
    repeats: int = 10,
) -> Measurement:
    """Times `model.predict_on_batch` on a batch of random images.

    The model must be compiled already (`model.compile(jit_compile=...)`);
    the images are a backend tensor made beforehand, so that only the
    model's work is timed.
    """
    images = random_images(batch_size, model.input_shape[1:3])
    return measure(
        lambda: model.predict_on_batch(images),
        implementation,
        "inference",
        batch_size,
        flops_per_image * batch_size,
        warmup,
        repeats,
    )


def compile_for_training(model: keras.Model, jit_compile: bool | str = "auto"):
    """Compiles `model` with AdamW and sparse categorical cross-entropy on
    logits, the recipe the presets are trained with."""
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=jit_compile,
    )


def measure_train_step(
    model: keras.Model,
    batch_size: int,
    flops_per_image: int,
    implementation: str,
    jit_compile: bool | str = "auto",
    warmup: int = 3,
    repeats: int = 10,
) -> Measurement:
    """Times one `train_on_batch` step: forward, backward and AdamW update.

    The model is (re)compiled here by `compile_for_training`.
    """
    num_classes = model.output_shape[-1]
    compile_for_training(model, jit_compile)
    images = random_images(batch_size, model.input_shape[1:3])
    labels = ops.convert_to_tensor(
        np.random.default_rng(1).integers(0, num_classes, batch_size), "int32"
    )
    return measure(
        lambda: model.train_on_batch(images, labels),
        implementation,
        "train_step",
        batch_size,
        3 * flops_per_image * batch_size,
        warmup,
        repeats,
    )
