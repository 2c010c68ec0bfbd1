"""
Title: Compose your own all-MLP model from MixerBlock, gMLPBlock and FNetBlock
Description: a model that is none of the papers': patches embedded by a
dense layer, a learned position embedding, then an MLP-Mixer block, a gMLP
block and an FNet block in one stack, and a custom head (LayerNorm,
pooling by a learned weight per token, a small MLP). It is trained on the
offline Shapes dataset, saved as a `.keras` file and reloaded, and the
reloaded model is checked to give the same predictions: every keras-mlpmix
layer is registered for serialisation, so no `custom_objects` are needed.
`mixed_precision_and_xla.py` trains the same model in mixed precision.

Run:
    python examples/compose_layers.py                 # Shapes, 5 epochs
    python examples/compose_layers.py --output my_model.keras
    python examples/compose_layers.py --smoke         # seconds, offline

Time: 1 minute 52 seconds with TensorFlow on a 2-core CPU shared with other
jobs (measured 2026-11-23), reaching 60.7% test accuracy on the 32 Shapes
classes; the model has 148,737 weights. The smoke run takes seconds.
"""

import argparse
import pathlib
import tempfile

import keras
import numpy as np

from keras_mlpmix import layers
from keras_mlpmix.datasets import load_shapes


def build_model(
    num_classes, image_size=32, patch_size=4, hidden_dim=96, ffn_dim=192, dtype=None
):
    """Mixer, gMLP and FNet blocks in one stack, with a custom head.

    `dtype` is the dtype policy of every layer but the last, whose logits
    stay in float32 (e.g. `"mixed_bfloat16"` computes in bfloat16).
    """
    num_patches = (image_size // patch_size) ** 2
    images = keras.Input((image_size, image_size, 3), name="images")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, dtype=dtype)(images)
    x = layers.Patches(patch_size, dtype=dtype)(x)
    x = keras.layers.Dense(hidden_dim, dtype=dtype, name="patch_embedding")(x)
    x = layers.PositionEmbedding(num_patches, dtype=dtype)(x)
    x = layers.MixerBlock(num_patches, channels_mlp_dim=ffn_dim, dtype=dtype)(x)
    x = layers.gMLPBlock(ffn_dim=ffn_dim, dtype=dtype)(x)
    x = layers.FNetBlock(ffn_dim=ffn_dim, dtype=dtype)(x)
    x = keras.layers.LayerNormalization(epsilon=1e-6, dtype=dtype)(x)
    # Head: a learned weight per token instead of a plain average.
    scores = keras.layers.Dense(1, dtype=dtype, name="token_score")(x)
    scores = keras.layers.Softmax(axis=1, dtype=dtype)(scores)
    x = keras.layers.Dot(axes=1, dtype=dtype)([scores, x])  # (batch, 1, hidden_dim)
    x = keras.layers.Flatten(dtype=dtype)(x)
    x = layers.MLP(hidden_dim, output_dim=hidden_dim, dtype=dtype, name="head_mlp")(x)
    logits = keras.layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(images, logits, name="composed_mlp")


def load_data(smoke):
    """Shapes: 5,000 training and 1,000 test images, or 16 and 8 for a smoke run."""
    return load_shapes(16, 8) if smoke else load_shapes()


def train(model, data, epochs, smoke, jit_compile="auto", callbacks=()):
    """Trains `model` on `data` and returns its test accuracy and predictions.

    A smoke run takes one step of 16 images, without validation.
    """
    (x_train, y_train), (x_test, y_test), _ = data
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=0.003, weight_decay=0.03),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    model.fit(
        x_train,
        y_train,
        batch_size=16 if smoke else 64,
        epochs=1 if smoke else epochs,
        validation_split=0.0 if smoke else 0.1,
        callbacks=list(callbacks),
    )
    predictions = model.predict(x_test, verbose=0)
    accuracy = float(np.mean(np.argmax(predictions, axis=-1) == y_test))
    return accuracy, predictions


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=5, help="default: 5")
    parser.add_argument(
        "--output",
        type=pathlib.Path,
        help="the .keras file to save the model to (default: in a temporary folder)",
    )
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
    class_names = data[2]
    sizes = {"patch_size": 8, "hidden_dim": 16, "ffn_dim": 16} if args.smoke else {}
    model = build_model(len(class_names), **sizes)
    print(f"{model.name}: {model.count_params():,} weights")
    accuracy, predictions = train(model, data, args.epochs, args.smoke)
    print(f"test accuracy {accuracy:.2%} ({len(class_names)} classes)")

    with tempfile.TemporaryDirectory() as folder:
        path = args.output or pathlib.Path(folder) / "composed_mlp.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path)
        (_, _), (x_test, _), _ = data
        np.testing.assert_allclose(
            reloaded.predict(x_test, verbose=0), predictions, rtol=1e-5, atol=1e-5
        )
        print(f"saved to {path} and reloaded: same predictions")
    return {"accuracy": accuracy}


if __name__ == "__main__":
    main()
