"""Smoke test of an installed keras-mlpmix, run by check_package.py in a fresh venv.

`python package_smoke.py VERSION` with `KERAS_BACKEND` set: checks that the
package is imported from the environment (not a source tree) with the
expected version and its `py.typed` marker, then builds a small classifier
of each family, runs a forward pass, saves it as `.keras` and checks that the
reloaded model gives the same outputs.
"""

import pathlib
import sys
import sysconfig
import tempfile

import keras
import numpy as np

import keras_mlpmix

PRESETS = ("mixer_cifar100", "fnet_cifar100", "gmlp_cifar100")


def main(argv=None):
    (expected_version,) = sys.argv[1:] if argv is None else argv
    package = pathlib.Path(keras_mlpmix.__file__).resolve().parent
    site_packages = pathlib.Path(sysconfig.get_paths()["purelib"]).resolve()
    if package.parent != site_packages:
        sys.exit(f"keras_mlpmix was imported from {package}, not from {site_packages}")
    if keras_mlpmix.__version__ != expected_version:
        sys.exit(
            f"keras_mlpmix.__version__ is {keras_mlpmix.__version__!r}, "
            f"expected {expected_version!r}"
        )
    if not (package / "py.typed").is_file():
        sys.exit(f"{package} has no py.typed marker")

    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3)).astype("uint8")
    with tempfile.TemporaryDirectory() as folder:
        for name in PRESETS:
            model = keras_mlpmix.ImageClassifier.from_preset(
                name, num_classes=10, num_blocks=1, include_preprocessing=True
            )
            logits = keras.ops.convert_to_numpy(model(images))
            path = pathlib.Path(folder) / f"{name}.keras"
            model.save(path)
            reloaded = keras.saving.load_model(path)
            np.testing.assert_allclose(
                keras.ops.convert_to_numpy(reloaded(images)), logits, rtol=0, atol=1e-6
            )
            print(
                f"{keras.backend.backend()}: {name} forward pass {logits.shape} "
                "and .keras round trip OK"
            )
    print(f"keras-mlpmix {keras_mlpmix.__version__} from {package}: smoke test passed")


if __name__ == "__main__":
    main()
