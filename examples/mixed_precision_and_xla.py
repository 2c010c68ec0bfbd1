"""
Title: Mixed precision (bfloat16) and XLA compilation of a composed all-MLP model
Description: the model of `compose_layers.py` (an MLP-Mixer, a gMLP and an
FNet block in one stack) built with the `mixed_bfloat16` dtype policy:
bfloat16 computation, float32 weights, and float32 logits so that the
loss stays in float32. It is trained with `jit_compile=True`: XLA on
TensorFlow and JAX, `torch.compile` on PyTorch. FNet's Fourier transform
has no bfloat16 kernel on any backend; `FourierMixing` computes it in
float32 and casts back, so the FNet block trains in mixed precision too.
Prints the test accuracy and the seconds per epoch.

Run:
    python examples/mixed_precision_and_xla.py                # Shapes, 5 epochs
    python examples/mixed_precision_and_xla.py --smoke        # seconds, offline

Time: 1 minute 29 seconds with TensorFlow on a 2-core CPU shared with other
jobs (measured 2026-11-23): 40 seconds for the first epoch, which includes
the XLA compilation, then 7 to 11 seconds per epoch, reaching 56.8% test
accuracy. On PyTorch, `torch.compile` adds minutes of compilation on a
CPU. The smoke run takes seconds.
"""

import argparse
import time

import keras
from compose_layers import build_model, load_data, train

from keras_mlpmix.layers import FNetBlock


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
    parser.add_argument("--epochs", type=int, default=5, help="default: 5")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few Shapes images and a narrow model, one training step",
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(0)
    data = load_data(args.smoke)
    sizes = {"patch_size": 8, "hidden_dim": 16, "ffn_dim": 16} if args.smoke else {}
    model = build_model(len(data[2]), dtype="mixed_bfloat16", **sizes)
    fnet_block = next(layer for layer in model.layers if isinstance(layer, FNetBlock))
    print(
        f"{model.name}: the FNet block computes in {fnet_block.compute_dtype} "
        f"with {fnet_block.variable_dtype} weights; logits are {model.output.dtype}"
    )
    # torch.compile takes minutes on a CPU even for a tiny model; smoke runs
    # on PyTorch stay eager (the test suite compiles a model with it elsewhere).
    jit_compile = not (args.smoke and keras.backend.backend() == "torch")
    timer = EpochTimer()
    accuracy, _ = train(
        model, data, args.epochs, args.smoke, jit_compile=jit_compile, callbacks=[timer]
    )
    print(
        f"mixed_bfloat16, jit_compile={jit_compile}: test accuracy {accuracy:.2%}; "
        f"seconds per epoch: {', '.join(f'{s:.1f}' for s in timer.seconds)}"
    )
    return {"accuracy": accuracy, "seconds_per_epoch": timer.seconds}


if __name__ == "__main__":
    main()
