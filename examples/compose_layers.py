"""
Title: Compose your own all-MLP model from MixerBlock, gMLPBlock and FNetBlock
Description: a model that is none of the papers': patches embedded by a dense
layer, a learned position embedding, then an MLP-Mixer block, a gMLP
block and an FNet block in one stack, and a custom head (LayerNorm,
attention-free pooling by a learned per-token weighting, a small MLP).
It is trained on the offline Shapes dataset, saved as a `.keras` file,
reloaded, and the reloaded model is checked to give the same predictions:
every keras-mlpmix layer is registered for serialisation, so no
`custom_objects` are needed.

Run:
    python examples/compose_layers.py                 # Shapes, 5 epochs
    python examples/compose_layers.py --smoke         # seconds, offline

Time: about two minutes on a 2-core CPU (5 epochs of 4,500 images of
32x32); the model has 148,737 weights.
"""

import argparse
import pathlib
import tempfile

import keras
import numpy as np

from keras_mlpmix import layers
from keras_mlpmix.datasets import load_shapes


def build_model(num_classes, image_size=32, patch_size=4, hidden_dim=96, ffn_dim=192):
    """Mixer, gMLP and FNet blocks in one stack, with a custom head."""
    num_patches = (image_size // patch_size) ** 2
    images = keras.Input((image_size, image_size, 3), name="images")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(images)
    x = layers.Patches(patch_size)(x)
    x = keras.layers.Dense(hidden_dim, name="patch_embedding")(x)
    x = layers.PositionEmbedding(num_patches)(x)
    x = layers.MixerBlock(tokens_mlp_dim=num_patches, channels_mlp_dim=ffn_dim)(x)
    x = layers.gMLPBlock(ffn_dim=ffn_dim)(x)
    x = layers.FNetBlock(ffn_dim=ffn_dim)(x)
    x = keras.layers.LayerNormalization(epsilon=1e-6)(x)
    # Head: weight each token by a learned score instead of a plain average.
    scores = keras.layers.Softmax(axis=1)(keras.layers.Dense(1, name="token_score")(x))
    x = keras.layers.Dot(axes=1)([scores, x])  # (batch, 1, hidden_dim)
    x = keras.layers.Flatten()(x)
    x = layers.MLP(hidden_dim=hidden_dim, output_dim=hidden_dim, name="head_mlp")(x)
    logits = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(images, logits, name="composed_mlp")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=int, default=5, help="default: 5")
    parser.add_argument(
        "--output",
        type=pathlib.Path,
        help="where to save the model (default: a temporary folder)",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny data and model, one training step"
    )
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    keras.utils.set_random_seed(0)
    if args.smoke:
        (x_train, y_train), (x_test, y_test), class_names = load_shapes(16, 8)
        model = build_model(
            len(class_names), image_size=32, patch_size=8, hidden_dim=16, ffn_dim=16
        )
    else:
        (x_train, y_train), (x_test, y_test), class_names = load_shapes()
        model = build_model(len(class_names))
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=0.003, weight_decay=0.03),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    print(f"{model.name}: {model.count_params():,} weights")
    model.fit(
        x_train,
        y_train,
        batch_size=16 if args.smoke else 64,
        epochs=1 if args.smoke else args.epochs,
        validation_split=0.0 if args.smoke else 0.1,
    )
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy {accuracy:.2%} ({len(class_names)} classes)")

    with tempfile.TemporaryDirectory() as folder:
        path = (args.output or pathlib.Path(folder)) / "composed_mlp.keras"
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        reloaded = keras.saving.load_model(path)
        np.testing.assert_allclose(
            reloaded.predict(x_test, verbose=0),
            model.predict(x_test, verbose=0),
            rtol=1e-5,
            atol=1e-5,
        )
        print(f"saved to {path} and reloaded: same predictions")
    return {"accuracy": accuracy}


if __name__ == "__main__":
    main()
