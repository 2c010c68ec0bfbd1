"""The work of `keras-mlpmix bench` (see `keras_mlpmix.cli.commands.bench`)."""

from __future__ import annotations

import json
import statistics
import time

import keras
import numpy as np

from keras_mlpmix.layers import platform_choices
from keras_mlpmix.models import ImageClassifier

_JIT = {"auto": "auto", "true": True, "false": False}


def _median_seconds(call, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _say(message: str) -> None:
    print(message, flush=True)


def bench(args) -> None:
    _say(f"Building {args.preset} ({args.dtype}, fresh weights)...")
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(args.dtype)
    try:
        model = ImageClassifier.from_preset(args.preset, weights=False)
    finally:
        keras.config.set_dtype_policy(previous)
    height, width = model.backbone.image_size
    rng = np.random.default_rng(0)

    def images(batch):
        return keras.ops.convert_to_tensor(
            rng.random((batch, height, width, 3)), "float32"
        )

    model.compile(jit_compile=_JIT[args.jit_compile])
    rows = []
    for batch in args.batch_sizes:
        x = images(batch)
        _say(f"Timing inference at batch {batch} (the first call compiles)...")
        seconds = _median_seconds(
            lambda x=x: model.predict_on_batch(x), args.warmup, args.repeats
        )
        rows.append(("inference", batch, seconds, model.matmul_shapes(batch), 1))
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=_JIT[args.jit_compile],
    )
    batch = args.train_batch_size
    x, y = images(batch), rng.integers(0, model.num_classes, batch)
    _say(f"Timing a training step at batch {batch} (the first call compiles)...")
    seconds = _median_seconds(
        lambda: model.train_on_batch(x, y), args.warmup, args.repeats
    )
    # Forward and backward: three products per product of the forward pass.
    rows.append(("train_step", batch, seconds, model.matmul_shapes(batch), 3))

    device = platform_choices.device_description()
    _say(
        f"{args.preset} on {keras.backend.backend()} ({device}), {args.dtype}, "
        f"jit_compile={model.jit_compile}:"
    )
    results = []
    for task, batch, seconds, shapes, passes in rows:
        gflops = passes * sum(shape.flops for shape in shapes) / seconds / 1e9
        _say(
            f"  {task:<11} batch {batch:>4}: {seconds * 1e3:9.1f} ms, "
            f"{batch / seconds:9.1f} images/s, {gflops:7.1f} GFLOP/s of matmuls"
        )
        results.append(
            {"task": task, "batch_size": batch, "median_s": seconds,
             "images_per_s": batch / seconds, "matmul_gflops_per_s": gflops}
        )  # fmt: skip
    if args.json is not None:
        report = {
            "preset": args.preset,
            "backend": keras.backend.backend(),
            "device": device,
            "dtype": args.dtype,
            "jit_compile": model.jit_compile,
            "keras": keras.__version__,
            "measurements": results,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
