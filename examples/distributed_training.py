"""
Title: Multi-device training with keras.distribution
Description: Data parallel and model parallel training of an all-MLP classifier.
Accelerator: several GPUs or TPU cores (or CPU devices simulated by XLA)

## What it shows

How to train any keras-mlpmix preset on several devices with Keras's own
`keras.distribution` API, on the JAX backend:

- data parallel (`--strategy data_parallel`): every device holds the whole
  model and takes a slice of each batch;
- model parallel (`--strategy model_parallel`, the default): the devices form
  a `batch x model` mesh; the MLPs are split over the `model` axis by
  `Backbone.get_layout_map(mesh)` (first projection by output units, second by
  input units) and each batch over the `batch` axis.

It trains on CIFAR-100 with the keras-io recipe (AdamW, sparse categorical
cross-entropy from logits) and prints how one MLP kernel is laid out.
On TensorFlow and PyTorch it trains on one device and says so: see
`docs/guides/distributed_training.md` for `tf.distribute` and PyTorch's
`DistributedDataParallel`.

Run:
    KERAS_BACKEND=jax python examples/distributed_training.py --epochs 5

On a machine without accelerators, simulate 4 devices (the flag must be set
before JAX starts):

    XLA_FLAGS=--xla_force_host_platform_device_count=4 KERAS_BACKEND=jax \\
        python examples/distributed_training.py --smoke

`--smoke` trains a one-block model for one step on random images: no
download, under a minute. Without it the script downloads CIFAR-100 (about
170 MB) through `keras.datasets`.

Time: With `--smoke`, 10 to 30 seconds on two busy CPU cores, mostly start-up and
compilation (measured: PyTorch 10 s, TensorFlow 17 s, JAX 25 s on one device
and 29 s on 4 simulated ones). A full CIFAR-100 run was not timed here.
"""

import argparse

import keras
import numpy as np

from keras_mlpmix import Backbone, ImageClassifier


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Train a keras-mlpmix preset on several devices."
    )
    parser.add_argument("--preset", default="mixer_cifar100")
    parser.add_argument(
        "--strategy",
        choices=("data_parallel", "model_parallel"),
        default="model_parallel",
    )
    parser.add_argument(
        "--model-parallel",
        type=int,
        default=2,
        help="devices along the mesh's model axis (model_parallel only)",
    )
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="one step of a one-block model on random images, no download",
    )
    return parser.parse_args(argv)


def make_distribution(strategy, model_parallel):
    """A DataParallel or ModelParallel distribution over all visible devices."""
    devices = keras.distribution.list_devices()
    if len(devices) == 1:
        print(
            "One device visible: the mesh is trivial. To try sharding on CPU, "
            "set XLA_FLAGS=--xla_force_host_platform_device_count=4 before "
            "starting Python."
        )
    if strategy == "data_parallel":
        return keras.distribution.DataParallel(devices=devices)
    if len(devices) % model_parallel:
        model_parallel = 1
    mesh = keras.distribution.DeviceMesh(
        shape=(len(devices) // model_parallel, model_parallel),
        axis_names=("batch", "model"),
        devices=devices,
    )
    return keras.distribution.ModelParallel(
        layout_map=Backbone.get_layout_map(mesh), batch_dim_name="batch"
    )


def load_data(smoke):
    if smoke:
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, (16, 32, 32, 3), dtype="uint8")
        labels = rng.integers(0, 100, (16,))
        return (images, labels), (images, labels)
    return keras.datasets.cifar100.load_data()


def build_and_train(args, train, test):
    overrides = {"num_blocks": 1, "hidden_dim": 32} if args.smoke else {}
    model = ImageClassifier.from_preset(
        args.preset, include_preprocessing=True, **overrides
    )
    model.compile(
        # The learning rate of the keras-io CIFAR-100 recipe for the family.
        optimizer=keras.optimizers.AdamW(
            learning_rate=type(model.backbone).recipe_learning_rate, weight_decay=1e-4
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    batch_size = 8 if args.smoke else args.batch_size
    images, labels = train
    if args.smoke:
        images, labels = images[:batch_size], labels[:batch_size]
    model.fit(
        images,
        labels,
        batch_size=batch_size,
        epochs=1 if args.smoke else args.epochs,
        verbose=2,
    )
    if not args.smoke:
        loss, accuracy = model.evaluate(*test, batch_size=batch_size, verbose=0)
        print(f"test loss {loss:.3f}, accuracy {accuracy:.3f}")
    return model


def main(argv=None):
    args = parse_args(argv)
    train, test = load_data(args.smoke)
    if keras.backend.backend() != "jax":
        print(
            f"keras.distribution shards models on the JAX backend only; on "
            f"{keras.backend.backend()} this trains on one device. Multi-device "
            "training there: tf.distribute (TensorFlow) or "
            "DistributedDataParallel (PyTorch), see "
            "docs/guides/distributed_training.md."
        )
        return build_and_train(args, train, test)

    distribution = make_distribution(args.strategy, args.model_parallel)
    print(f"{args.strategy} on {distribution.device_mesh}")
    with distribution.scope():
        model = build_and_train(args, train, test)
    kernel = next(v for v in model.weights if v.path.endswith("mlp/fc1/kernel"))
    print(f"{kernel.path} {tuple(kernel.shape)} is laid out as {kernel.value.sharding}")
    return model


if __name__ == "__main__":
    main()
