import os

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


def pytest_report_header(config):
    return (
        f"keras backend: {keras.backend.backend()} (keras {keras.__version__}), "
        f"hypothesis profile: {os.environ.get('HYPOTHESIS_PROFILE', 'ci')}"
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
