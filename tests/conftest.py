import contextlib
import os

# Where timm is installed beside TensorFlow (the comparisons with timm), it
# must be imported first: importing it after TensorFlow crashes when torch
# imports triton (seen with TensorFlow 2.21, torch 2.14.1, timm 1.0.31).
with contextlib.suppress(ImportError):
    import timm  # noqa: F401

import hypothesis
import keras
import numpy as np
import pytest

hypothesis.settings.register_profile(
    "ci", max_examples=8, derandomize=True, deadline=None, print_blob=True
)
hypothesis.settings.register_profile(
    "dev", max_examples=60, deadline=None, print_blob=True
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _devices():
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return ", ".join(str(d) for d in jax.devices())
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    import tensorflow as tf

    return ", ".join(d.name for d in tf.config.list_logical_devices()) or "cpu"


def pytest_report_header(config):
    return (
        f"keras backend: {keras.backend.backend()} (keras {keras.__version__}) "
        f"on {_devices()}; hypothesis profile: {os.environ.get('HYPOTHESIS_PROFILE', 'ci')}"
    )


@pytest.fixture(autouse=True)
def _seed_and_policy():
    keras.utils.set_random_seed(1234)
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")


@pytest.fixture
def rng():
    return np.random.default_rng(0)
