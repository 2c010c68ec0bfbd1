"""Stand-ins that let code written for the real downloads run offline, in seconds.

- `stand_in_pretrained_presets(monkeypatch, folder)` points every pretrained
  preset at a random checkpoint in its own layout (official `.npz` or timm
  safetensors), written to `folder` and served from a `file://` URL with its
  real SHA-256, and shrinks the preset's architecture to match: same family,
  image and patch size and head, one block of width 8. The Keras cache
  (`KERAS_HOME`) moves to `folder` too. `from_preset(..., weights=True)`
  then runs its real download, verification, conversion and caching.
- `stand_in_cifar(monkeypatch)` makes `keras.datasets.cifar10.load_data()`
  and `cifar100.load_data()` return a few random images and labels of the
  real shapes and dtypes.

README and documentation examples written for the real thing run under
both.
"""

import hashlib
import pathlib

import keras
import numpy as np

from checkpoint_layouts import (
    Sizes,
    official_mixer,
    timm_gmlp,
    timm_mixer,
    timm_resmlp,
    write,
)
from keras_mlpmix.models import presets

_SMALL = {
    "MLPMixerBackbone": {
        "hidden_dim": 8,
        "num_blocks": 1,
        "tokens_mlp_dim": 4,
        "channels_mlp_dim": 8,
    },
    "gMLPBackbone": {"hidden_dim": 8, "num_blocks": 1, "ffn_dim": 8},
    "ResMLPBackbone": {"hidden_dim": 8, "num_blocks": 1, "channels_mlp_dim": 8},
}
_LAYOUTS = {
    ("npz", "MLPMixerBackbone"): official_mixer,
    ("safetensors", "MLPMixerBackbone"): timm_mixer,
    ("safetensors", "gMLPBackbone"): timm_gmlp,
    ("safetensors", "ResMLPBackbone"): timm_resmlp,
}


def stand_in_pretrained_presets(monkeypatch, folder):
    """Serves small local checkpoints in place of every pretrained preset's."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("KERAS_HOME", str(folder / "keras_home"))
    for name in presets.pretrained_names():
        row = presets.get_preset(name)
        row["config"].update(_SMALL[row["backbone"]])
        config = row["config"]
        sizes = Sizes(
            image_size=(row["image_size"],) * 2,
            patch=config["patch_size"],
            hidden=config["hidden_dim"],
            blocks=config["num_blocks"],
            tokens_mlp=config.get("tokens_mlp_dim", 0),
            channels_mlp=config.get("channels_mlp_dim", 0),
            ffn=config.get("ffn_dim", 0),
            resmlp_mlp=config.get("channels_mlp_dim", 0),
            classes=row["num_classes"],
        )
        format = row["weights"]["format"]
        tensors = _LAYOUTS[(format, row["backbone"])](sizes, np.random.default_rng(0))
        path = write(folder / f"{name}.{format}", tensors, format)
        row["weights"]["url"] = path.resolve().as_uri()
        row["weights"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        monkeypatch.setitem(presets.PRESETS, name, row)


def stand_in_cifar(monkeypatch, num_train=64, num_test=32):
    """Makes `keras.datasets.cifar10/100.load_data()` return random data offline.

    Images and labels have the real shapes and dtypes (uint8 images; labels
    of shape `(n, 1)`, uint8 for CIFAR-10 and int64 for CIFAR-100).
    """
    for module, num_classes, label_dtype in (
        (keras.datasets.cifar10, 10, "uint8"),
        (keras.datasets.cifar100, 100, "int64"),
    ):

        def load_data(*args, num_classes=num_classes, label_dtype=label_dtype, **kw):
            rng = np.random.default_rng(0)

            def split(size):
                images = rng.integers(0, 256, (size, 32, 32, 3), dtype="uint8")
                labels = rng.integers(0, num_classes, (size, 1))
                return images, labels.astype(label_dtype)

            return split(num_train), split(num_test)

        monkeypatch.setattr(module, "load_data", load_data)


def shrink_shapes(monkeypatch, max_train=128, max_test=64):
    """Caps the sizes `keras_mlpmix.datasets.load_shapes` is asked for.

    A tutorial that trains on Shapes then runs its code as written on fewer
    images, in seconds; the images are the real generator's.
    """
    import keras_mlpmix.datasets

    load_shapes = keras_mlpmix.datasets.load_shapes

    def smaller(num_train=5000, num_test=1000, **kwargs):
        return load_shapes(min(num_train, max_train), min(num_test, max_test), **kwargs)

    monkeypatch.setattr(keras_mlpmix.datasets, "load_shapes", smaller)
