"""The same model in timm (PyTorch), timed beside ours in the same process.

timm is the implementation most users would otherwise pick. Its `MlpMixer`
class takes the block type and widths, so it is built with exactly a
preset's architecture (for the paper sizes that is timm's registered model,
e.g. `mixer_b16_224`). On a CPU it runs eagerly under
`torch.inference_mode()`, as users run it; on a CUDA GPU with
`dtype="mixed_bfloat16"` it runs compiled (`torch.compile`) under bf16
autocast. timm and torch are imported only when this runs.
"""

from __future__ import annotations

from throughput import Measurement, measure


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
    model = timm_model(backbone, num_classes, dropout_rate).to(device)
    image_size = tuple(model.stem.img_size)
    run = torch.compile(model) if half else model
    implementation = f"timm {timm.__version__} " + (
        "(torch.compile, bf16 autocast)" if half else "(torch eager)"
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
            )
        )

    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    images = torch.rand(train_batch_size, 3, *image_size, device=device)
    labels = torch.randint(0, num_classes, (train_batch_size,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast():
            loss = torch.nn.functional.cross_entropy(run(images), labels)
        loss.backward()
        optimizer.step()
        synchronize()

    measurements.append(
        measure(
            step,
            implementation,
            "train_step",
            train_batch_size,
            3 * flops_per_image * train_batch_size,
            warmup,
            repeats,
        )
    )
    return measurements
