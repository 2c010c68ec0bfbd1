"""Throughput of a preset on the current Keras backend, optionally beside timm.

Measures, in one process: inference images/s at the given batch sizes and
the time of one training step (forward, backward, AdamW update), each the
median of `--repeats` timed runs after `--warmup` untimed ones, with min and
max. FLOPs are counted analytically (2 per multiply-add, matrix products
only), so every result is also given in TFLOP/s and, with `--peak-tflops`,
as a fraction of the device's peak. With `--timm NAME` and timm installed,
the same model in timm (PyTorch, eager with `inference_mode`, plus
`torch.compile` and bf16 autocast on a GPU when `--dtype mixed_bfloat16`)
runs in the same process for a side-by-side ratio.

Example (JSON to stdout and a table to stderr):

    KERAS_BACKEND=jax python benchmarks/throughput.py --preset mixer_b16_224 \
        --batch-sizes 1 16 --train-batch 16 --timm mixer_b16_224
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import keras
import numpy as np

import keras_mlpmix
from keras_mlpmix.models import ImageClassifier, presets


def matmul_flops(config: dict, family: str, num_classes: int) -> int:
    """FLOPs of one image's forward pass through the matrix products."""
    (height, width), (ph, pw) = _pair(config["image_size"]), _pair(config["patch_size"])
    tokens, channels = (height // ph) * (width // pw), config["hidden_dim"]
    stem = 2 * tokens * (ph * pw * 3) * channels
    if family == "MLPMixerBackbone":
        block = 2 * channels * 2 * tokens * config["tokens_mlp_dim"]
        block += 2 * tokens * 2 * channels * config["channels_mlp_dim"]
    elif family == "gMLPBackbone":
        ffn = config["ffn_dim"]
        block = 2 * tokens * channels * ffn + 2 * tokens * tokens * (ffn // 2)
        block += 2 * tokens * (ffn // 2) * channels
    else:  # FNet: the FFT is not a matrix product here and is not counted.
        block = 2 * tokens * 2 * channels * config["ffn_dim"]
    return stem + config["num_blocks"] * block + 2 * channels * num_classes


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _timed(fn, warmup: int, repeats: int) -> dict:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
    }


def bench_keras(args, flops_per_image: int) -> list[dict]:
    keras.config.set_dtype_policy(args.dtype)
    model = ImageClassifier.from_preset(
        args.preset, num_classes=args.num_classes, weights=False
    )
    size = model.backbone.image_size
    rng = np.random.default_rng(0)
    rows = []
    model.compile(jit_compile=True)
    for batch in args.batch_sizes:
        images = rng.random((batch, *size, 3), "float32")
        timing = _timed(
            lambda images=images: model.predict_on_batch(images),
            args.warmup,
            args.repeats,
        )
        rows.append(_row("keras_mlpmix", "inference", batch, timing, flops_per_image))
    model.compile(
        optimizer=keras.optimizers.AdamW(1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=True,
    )
    images = rng.random((args.train_batch, *size, 3), "float32")
    labels = rng.integers(0, args.num_classes, args.train_batch)
    timing = _timed(
        lambda: model.train_on_batch(images, labels), args.warmup, args.repeats
    )
    rows.append(
        _row(
            "keras_mlpmix", "train_step", args.train_batch, timing, 3 * flops_per_image
        )
    )
    return rows


def bench_timm(args, flops_per_image: int, image_size) -> list[dict]:
    import timm
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    half = args.dtype == "mixed_bfloat16" and device == "cuda"
    model = timm.create_model(
        args.timm, pretrained=False, num_classes=args.num_classes
    ).to(device)
    compiled = torch.compile(model) if device == "cuda" else model
    label = "timm" + (" (compile, bf16 autocast)" if half else " (eager)")

    def autocast():
        return torch.autocast(device, dtype=torch.bfloat16, enabled=half)

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    rows = []
    model.eval()
    for batch in args.batch_sizes:
        images = torch.rand(batch, 3, *image_size, device=device)

        def infer(images=images):
            with torch.inference_mode(), autocast():
                compiled(images)
            sync()

        rows.append(
            _row(
                label,
                "inference",
                batch,
                _timed(infer, args.warmup, args.repeats),
                flops_per_image,
            )
        )
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    images = torch.rand(args.train_batch, 3, *image_size, device=device)
    labels = torch.randint(0, args.num_classes, (args.train_batch,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            loss = torch.nn.functional.cross_entropy(compiled(images), labels)
        loss.backward()
        optimizer.step()
        sync()

    rows.append(
        _row(
            label,
            "train_step",
            args.train_batch,
            _timed(step, args.warmup, args.repeats),
            3 * flops_per_image,
        )
    )
    return rows


def _row(implementation, task, batch, timing, flops_per_image):
    images_per_s = batch / timing["median_s"]
    return {
        "implementation": implementation,
        "task": task,
        "batch": batch,
        **timing,
        "images_per_s": images_per_s,
        "tflops": images_per_s * flops_per_image / 1e12,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="mixer_b16_224")
    parser.add_argument("--num-classes", type=int, default=1000)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--train-batch", type=int, default=16)
    parser.add_argument(
        "--dtype",
        default="float32",
        choices=["float32", "mixed_bfloat16", "mixed_float16"],
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument(
        "--timm", help="timm model name to run beside ours, e.g. mixer_b16_224"
    )
    parser.add_argument(
        "--peak-tflops", type=float, help="device peak for this dtype, for utilisation"
    )
    args = parser.parse_args(argv)

    preset = presets.get_preset(args.preset)
    config = {"image_size": preset["image_size"], **preset["config"]}
    flops = matmul_flops(config, preset["backbone"], args.num_classes)
    rows = bench_keras(args, flops)
    if args.timm:
        rows += bench_timm(args, flops, _pair(config["image_size"]))
    for row in rows:
        if args.peak_tflops:
            row["utilisation"] = row["tflops"] / args.peak_tflops
    result = {
        "preset": args.preset,
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "keras_mlpmix": keras_mlpmix.__version__,
        "dtype": args.dtype,
        "gflops_per_image": flops / 1e9,
        "rows": rows,
    }
    for row in rows:
        print(
            f"{row['implementation']:<34} {row['task']:<10} batch {row['batch']:>4}: "
            f"{row['images_per_s']:9.1f} img/s (median {row['median_s'] * 1e3:8.2f} ms, "
            f"min {row['min_s'] * 1e3:8.2f}, max {row['max_s'] * 1e3:8.2f}) "
            f"{row['tflops']:7.2f} TFLOP/s",
            file=sys.stderr,
        )
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
