"""
Title: Mixed precision (bfloat16) and XLA compilation of MLP-Mixer, FNet and gMLP
Description: the models of `mlp_image_classification.py`, built with the
`mixed_bfloat16` dtype policy (bfloat16 compute, float32 weights, and a
float32 head so that the logits and the loss stay in float32) and trained
with `jit_compile=True`: XLA on TensorFlow and JAX, `torch.compile` on
PyTorch. FNet's Fourier transform has no bfloat16 kernel on any backend;
`FourierMixing` computes it in float32 and casts back, so FNet trains in
mixed precision too. Prints each model's test accuracy and seconds per
epoch.

Run:
    python examples/mixed_precision_and_xla.py                    # Shapes, 3 epochs
    python examples/mixed_precision_and_xla.py --dataset cifar100 --epochs 50
    python examples/mixed_precision_and_xla.py --smoke            # seconds, offline

Time: on a 2-core CPU, about 3 minutes per model for 3 epochs of Shapes
(CPUs without bfloat16 units emulate it, so mixed precision is no faster
there); on a GPU with bfloat16 support (A100, H100) it speeds training
up. `torch.compile` adds a few minutes of compilation on CPU, once per
model.
"""

import argparse
import time

import keras

from keras_mlpmix import ImageClassifier
from keras_mlpmix.datasets import load_dataset, load_shapes
from keras_mlpmix.training import Recipe

PRESETS = ("mixer_cifar100", "fnet_cifar100", "gmlp_cifar100")
# Smoke runs shrink each model to one block on 4 patches.
SMOKE_SIZES = {"num_blocks": 1, "image_size": 16}


class EpochTimer(keras.callbacks.Callback):
    """Records the seconds each epoch takes."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--presets",
        nargs="+",
        default=list(PRESETS),
        help="default: the three CIFAR-100 presets",
    )
    parser.add_argument("--dataset", default="shapes", help="default: shapes")
    parser.add_argument("--epochs", type=int, default=3, help="default: 3")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few Shapes images and one-block models, one training step each",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.smoke:
        (x_train, y_train), (x_test, y_test), class_names = load_shapes(16, 8)
    else:
        (x_train, y_train), (x_test, y_test), class_names = load_dataset(args.dataset)
    # torch.compile takes minutes on a CPU even for a tiny model; smoke runs
    # on PyTorch stay eager (the test suite compiles a model once elsewhere).
    jit_compile = not (args.smoke and keras.backend.backend() == "torch")

    results = {}
    for preset in args.presets:
        classifier = ImageClassifier.from_preset(
            preset,
            num_classes=len(class_names),
            include_preprocessing=True,
            dtype="mixed_bfloat16",
            head_dtype="float32",
            **(SMOKE_SIZES if args.smoke else {}),
        )
        recipe = Recipe.for_preset(
            preset,
            epochs=1 if args.smoke else args.epochs,
            batch_size=16 if args.smoke else None,
            validation_split=0.0 if args.smoke else None,
        )
        timer = EpochTimer()
        recipe.fit(
            classifier,
            x_train,
            y_train,
            callbacks=[timer],
            seed=0,
            jit_compile=jit_compile,
        )
        recipe.compile(classifier, jit_compile=jit_compile)
        metrics = classifier.evaluate(x_test, y_test, return_dict=True, verbose=0)
        assert str(classifier.output.dtype) == "float32"
        results[preset] = metrics
        print(
            f"{preset} in mixed_bfloat16, jit_compile={jit_compile}: test accuracy "
            f"{metrics['accuracy']:.2%}, top-5 {metrics['top5_accuracy']:.2%}; "
            f"seconds per epoch: {', '.join(f'{s:.1f}' for s in timer.seconds)}"
        )
    return results


if __name__ == "__main__":
    main()
