"""The same model in timm (PyTorch), timed in a process of its own.

timm is the implementation most users would otherwise pick. Its `MlpMixer`
class takes the block type and widths, so it is built with exactly a
preset's architecture (for the paper sizes that is timm's registered model,
e.g. `mixer_b16_224`). On a CPU it runs eagerly under
`torch.inference_mode()`, as users run it, or with `--compile` compiled by
`torch.compile` (static shapes; each first call, compilation included, is
timed apart); on a CUDA GPU with `dtype="mixed_bfloat16"` it runs compiled
under bf16 autocast. timm and torch are imported only when this runs.

`preset_benchmark.py --timm` runs this file as a separate process,

    python benchmarks/timm_reference.py --preset gmlp_s16_224 --json FILE

so that neither framework's thread pools share a process with the other's
(`measure_in_subprocess`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import tempfile

from throughput import Measurement, measure
from timing import Timing


def timm_model(backbone, num_classes: int, dropout_rate: float):
    """timm's `MlpMixer` with the architecture of one of our backbones.

    The family names timm's layers and their arguments
    (`Backbone.timm_architecture`); the sizes are the backbone's.

    Args:
        backbone: A `Backbone` of a family timm has (MLP-Mixer, gMLP, ResMLP).
        num_classes: Width of the head.
        dropout_rate: Dropout before the head.
    """
    import functools

    from timm import layers
    from timm.models import mlp_mixer

    def resolve(name, kwargs):
        cls = getattr(mlp_mixer, name, None) or getattr(layers, name)
        return functools.partial(cls, **kwargs) if kwargs else cls

    architecture = {
        key: resolve(*value)
        if isinstance(value, tuple) and isinstance(value[0], str)
        else value
        for key, value in backbone.timm_architecture().items()
    }
    return mlp_mixer.MlpMixer(
        num_classes=num_classes,
        img_size=backbone.image_size,
        patch_size=backbone.patch_size,
        num_blocks=backbone.num_blocks,
        embed_dim=backbone.hidden_dim,
        drop_rate=dropout_rate,
        proj_drop_rate=backbone.dropout_rate,
        drop_path_rate=backbone.drop_path_rate,
        **architecture,
    )


def adamw_step(model, images, labels, run=None, autocast=contextlib.nullcontext):
    """One AdamW step of timm's `model` with cross-entropy, as a function.

    Args:
        model: timm's model, in training mode.
        images: `(batch, 3, height, width)` images.
        labels: `(batch,)` class indices.
        run: What computes the logits (`model` compiled); `model` if `None`.
        autocast: A context manager for the forward pass (mixed precision).
    """
    import torch

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    run = model if run is None else run  # a compiled module has no truth value

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            loss = torch.nn.functional.cross_entropy(run(images), labels)
        loss.backward()
        optimizer.step()

    return step


def measure_timm(
    backbone,
    dropout_rate: float,
    batch_sizes: list[int],
    train_batch_size: int,
    num_classes: int,
    flops_per_image: int,
    dtype: str = "float32",
    warmup: int = 3,
    repeats: int = 10,
    compiled: bool = False,
) -> list[Measurement]:
    """Inference at each batch size and one training step of timm's model.

    Args:
        backbone: Our backbone of the same architecture (see `timm_model`).
        dropout_rate: Dropout before the head.
        batch_sizes: Inference batch sizes.
        train_batch_size: Batch size of the training step.
        num_classes: Width of the head.
        flops_per_image: Matrix-product FLOPs of one forward pass, the same
            count as for our model (the architectures are the same).
        dtype: `"float32"`, or `"mixed_bfloat16"` for bf16 autocast and
            `torch.compile` on a GPU.
        warmup: Untimed calls before timing.
        repeats: Timed calls.
        compiled: Run the model through `torch.compile` (always so for
            `"mixed_bfloat16"` on a GPU).

    Raises:
        ImportError: if timm or torch is not installed.
    """
    try:
        import timm
        import torch
    except ImportError as error:
        raise ImportError(
            "Comparing with timm needs `pip install timm` (and torchvision)."
        ) from error

    device = "cuda" if torch.cuda.is_available() else "cpu"
    half = dtype == "mixed_bfloat16" and device == "cuda"
    compiled = compiled or half
    model = timm_model(backbone, num_classes, dropout_rate).to(device)
    image_size = tuple(model.stem.img_size)
    run = torch.compile(model, dynamic=False) if compiled else model
    implementation = f"timm {timm.__version__} " + (
        "(torch.compile, bf16 autocast)"
        if half
        else "(torch.compile)"
        if compiled
        else "(torch eager)"
    )

    def autocast():
        return torch.autocast(device, dtype=torch.bfloat16, enabled=half)

    def synchronize():
        if device == "cuda":
            torch.cuda.synchronize()

    measurements = []
    model.eval()
    for batch_size in batch_sizes:
        images = torch.rand(batch_size, 3, *image_size, device=device)

        def infer(images=images):
            with torch.inference_mode(), autocast():
                run(images)
            synchronize()

        measurements.append(
            measure(
                infer,
                implementation,
                "inference",
                batch_size,
                flops_per_image * batch_size,
                warmup,
                repeats,
                time_first_call=compiled,
            )
        )

    model.train()
    images = torch.rand(train_batch_size, 3, *image_size, device=device)
    labels = torch.randint(0, num_classes, (train_batch_size,), device=device)
    step = adamw_step(model, images, labels, run, autocast)
    measurements.append(
        measure(
            lambda: (step(), synchronize()),
            implementation,
            "train_step",
            train_batch_size,
            3 * flops_per_image * train_batch_size,
            warmup,
            repeats,
            time_first_call=compiled,
        )
    )
    return measurements


def measure_in_subprocess(
    preset: str,
    batch_sizes: list[int],
    train_batch_size: int,
    num_classes: int,
    dtype: str = "float32",
    warmup: int = 3,
    repeats: int = 10,
    compiled: bool = False,
) -> list[Measurement]:
    """`measure_timm` for a preset, run by this file in a fresh process.

    The process builds our backbone on the PyTorch backend only to read its
    architecture, then times timm alone.
    """
    with tempfile.TemporaryDirectory() as folder:
        output = pathlib.Path(folder) / "timm.json"
        command = [
            sys.executable,
            __file__,
            "--preset",
            preset,
            "--batch-sizes",
            *map(str, batch_sizes),
            "--train-batch-size",
            str(train_batch_size),
            "--num-classes",
            str(num_classes),
            "--dtype",
            dtype,
            "--warmup",
            str(warmup),
            "--repeats",
            str(repeats),
            "--json",
            str(output),
            *(["--compile"] if compiled else []),
        ]
        env = {**os.environ, "KERAS_BACKEND": "torch"}
        subprocess.run(command, check=True, env=env)
        rows = json.loads(output.read_text())
    return [Measurement(**{**row, "timing": Timing(**row["timing"])}) for row in rows]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", required=True)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--train-batch-size", type=int, default=16)
    parser.add_argument("--num-classes", type=int, default=1000)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", required=True, metavar="FILE")
    parser.add_argument("--compile", action="store_true", help="torch.compile")
    args = parser.parse_args(argv)

    from keras_mlpmix.models import ImageClassifier

    ours = ImageClassifier.from_preset(
        args.preset, num_classes=args.num_classes, weights=False
    )
    measurements = measure_timm(
        ours.backbone,
        ours.dropout_rate,
        args.batch_sizes,
        args.train_batch_size,
        args.num_classes,
        sum(shape.flops for shape in ours.matmul_shapes(1)),
        args.dtype,
        args.warmup,
        args.repeats,
        args.compile,
    )
    del ours
    rows = [dataclasses.asdict(measurement) for measurement in measurements]
    pathlib.Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
