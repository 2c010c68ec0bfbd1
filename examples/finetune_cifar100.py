"""
Title: Fine-tune a pretrained MLP-Mixer on CIFAR-100
Description: ImageNet-pretrained MLP-Mixer or gMLP weights, fine-tuned on
CIFAR-100 on any Keras backend.
Accelerator: GPU (`--smoke` needs none)

## What it shows

Loads a published checkpoint (timm's safetensors or the official MLP-Mixer
`.npz`, converted without PyTorch or TensorFlow) into an `ImageClassifier`
with a fresh 100-class head, and fine-tunes it on CIFAR-100. The 32x32
images are resized inside the model to the checkpoint's 224x224, the route
of the reference fine-tuning code; `--image-size 64` instead rebuilds the
model for 64x64 images and resizes the patch-tied weights (see
`docs/guides/transfer_resolution.md`).

Run:
    pip install "keras-mlpmix[jax]"   # or [tensorflow], or [torch]
    KERAS_BACKEND=jax python examples/finetune_cifar100.py --epochs 3
    python examples/finetune_cifar100.py --preset gmlp_s16_224.ra3_in1k
    python examples/finetune_cifar100.py --smoke

The first run downloads CIFAR-100 (about 170 MB) and the checkpoint (240 MB
for Mixer-B/16) into the Keras cache. `--smoke` needs no network: a few
random images, a one-block model of the preset's family and a random
checkpoint in the preset's own file format, written to a temporary folder,
for one training step.

Time: `--smoke` takes a few seconds on a 2-core CPU (most of it building the
model). A real run trains Mixer-B/16 at 224x224 (about 25 GFLOPs per image
forward) on 45,000 images per epoch: use a GPU; we have not timed one here.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import keras
import numpy as np

from keras_mlpmix.models import ImageClassifier, presets
from keras_mlpmix.weights import export_checkpoint

# One block of width 8 per family: the --smoke model.
SMOKE_SIZES = {
    "MLPMixerBackbone": {
        "hidden_dim": 8,
        "num_blocks": 1,
        "tokens_mlp_dim": 4,
        "channels_mlp_dim": 8,
    },
    "gMLPBackbone": {"hidden_dim": 8, "num_blocks": 1, "ffn_dim": 8},
}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Fine-tune a pretrained MLP-Mixer or gMLP on CIFAR-100."
    )
    parser.add_argument(
        "--preset",
        default="mixer_b16_224.goog_in21k_ft_in1k",
        choices=presets.pretrained_names(),
        help="pretrained preset to start from",
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument(
        "--image-size",
        type=int,
        default=None,
        help="build the model for this image size and resize the patch-tied "
        "weights; default: the checkpoint's (images are upsampled to it)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="seconds-long offline run: random data, a tiny model, a random checkpoint",
    )
    return parser.parse_args(argv)


def smoke_data(num_images=16, seed=0):
    """Random data shaped like `keras.datasets.cifar100.load_data()`'s."""
    rng = np.random.default_rng(seed)

    def split():
        images = rng.integers(0, 256, (num_images, 32, 32, 3), dtype="uint8")
        return images, rng.integers(0, 100, (num_images, 1), dtype="int64")

    return split(), split()


def random_checkpoint(preset, folder, sizes):
    """Writes a random checkpoint of `preset`'s family and file format at `sizes`."""
    row = presets.get_preset(preset)
    model = ImageClassifier.from_preset(preset, weights=False, **sizes)
    path = os.path.join(folder, f"model.{row['weights']['format']}")
    export_checkpoint(model, path)
    return path


def main(argv=None):
    args = parse_args(argv)
    overrides = {} if args.image_size is None else {"image_size": args.image_size}
    with tempfile.TemporaryDirectory() as folder:
        if args.smoke:
            (x_train, y_train), (x_test, y_test) = smoke_data()
            sizes = SMOKE_SIZES[presets.get_preset(args.preset)["backbone"]]
            weights = random_checkpoint(args.preset, folder, sizes)
            overrides.update(sizes)
        else:
            (x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data()
            weights = True
        model = ImageClassifier.from_preset(
            args.preset,
            num_classes=100,
            include_preprocessing=True,
            dropout_rate=0.1,
            weights=weights,
            **overrides,
        )
    print(
        f"{args.preset}: {model.count_params():,} weights, images resized to "
        f"{model.preprocessor.image_size}, {model.backbone.num_patches} patches"
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(
            learning_rate=args.learning_rate, weight_decay=args.weight_decay
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        x_train,
        y_train,
        batch_size=8 if args.smoke else args.batch_size,
        epochs=1 if args.smoke else args.epochs,
        steps_per_epoch=1 if args.smoke else None,
        validation_split=0.0 if args.smoke else 0.1,
        verbose=0 if args.smoke else "auto",
    )
    _, accuracy = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    print(f"test accuracy: {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
