"""Loading datasets by name: folders of images, CIFAR without a network."""

import logging

import keras
import numpy as np
import pytest

from keras_mlpmix.datasets import (
    DatasetUnavailableError,
    load_cifar,
    load_dataset,
    load_image_folder,
    load_test_set,
)
from offline_network import cut_network


def write_image_folder(root, classes=("cat", "dog", "owl"), per_class=5, size=(20, 24)):
    """Writes `per_class` PNGs per class, coloured by class, under `root`."""
    for index, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            image = np.zeros((*size, 3), "uint8")
            image[..., index % 3] = 50 + 35 * i
            keras.utils.save_img(root / name / f"{i}.png", image, scale=False)


def test_folder_is_split_into_train_and_test(tmp_path):
    write_image_folder(tmp_path)
    (x_train, y_train), (x_test, y_test), names = load_image_folder(
        tmp_path, image_size=16, test_fraction=0.2, seed=0
    )
    assert names == ("cat", "dog", "owl")
    assert x_train.shape == (12, 16, 16, 3) and x_test.shape == (3, 16, 16, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    # Each image's dominant channel tells its class: labels follow folders.
    for images, labels in ((x_train, y_train), (x_test, y_test)):
        dominant = images.reshape(len(images), -1, 3).mean(axis=1).argmax(axis=-1)
        np.testing.assert_array_equal(dominant, labels)


@pytest.mark.parametrize("test_folder", ["test", "val"])
def test_folder_with_train_and_test_folders_keeps_them(tmp_path, test_folder):
    write_image_folder(tmp_path / "train", per_class=3)
    write_image_folder(tmp_path / test_folder, per_class=2)
    (x_train, _), (x_test, y_test), names = load_dataset(str(tmp_path), image_size=8)
    assert names == ("cat", "dog", "owl")
    assert len(x_train) == 9 and len(x_test) == 6
    assert sorted(y_test) == [0, 0, 1, 1, 2, 2]


def test_folder_without_class_folders_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="one sub-folder of images per class"):
        load_image_folder(tmp_path / "empty")


def test_a_test_folder_is_evaluated_whole_unless_a_split_is_asked_for(tmp_path):
    write_image_folder(tmp_path / "plain", per_class=5)
    (x_all, _), names = load_test_set(str(tmp_path / "plain"), image_size=8)
    assert len(x_all) == 15 and names == ("cat", "dog", "owl")
    (x_part, _), _ = load_test_set(
        str(tmp_path / "plain"), image_size=8, test_fraction=0.2
    )
    _, (x_held_out, _), _ = load_image_folder(tmp_path / "plain", image_size=8)
    np.testing.assert_array_equal(x_part, x_held_out)  # what training held out
    write_image_folder(tmp_path / "split" / "train", per_class=3)
    write_image_folder(tmp_path / "split" / "test", per_class=2)
    (x_test, _), _ = load_test_set(str(tmp_path / "split"), image_size=8)
    assert len(x_test) == 6
    # The test split is what training tested on, and train/ is not read for it:
    # an unreadable training file does not stop the evaluation.
    _, (x_tested, _), _ = load_image_folder(tmp_path / "split", 8)
    np.testing.assert_array_equal(x_test, x_tested)
    (tmp_path / "split" / "train" / "cat" / "broken.png").write_bytes(b"not a png")
    (x_again, _), _ = load_test_set(str(tmp_path / "split"), image_size=8)
    np.testing.assert_array_equal(x_again, x_test)
    with pytest.raises(ValueError, match="test_fraction"):
        load_test_set(str(tmp_path / "split"), image_size=8, test_fraction=1.5)


def test_an_unreadable_image_is_named_or_skipped_with_a_warning(tmp_path, caplog):
    write_image_folder(tmp_path, per_class=3)
    broken = tmp_path / "dog" / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(ValueError, match=r"Could not read the image .*broken\.png.*"
                       r"skip_unreadable=True"):  # fmt: skip
        load_image_folder(tmp_path, image_size=8)
    with caplog.at_level(logging.WARNING, logger="keras_mlpmix"):
        (x_train, _), (x_test, _), _ = load_image_folder(
            tmp_path, image_size=8, skip_unreadable=True
        )
    assert len(x_train) + len(x_test) == 9
    assert "Skipped" in caplog.text and "broken.png" in caplog.text


def test_unknown_name_lists_the_datasets():
    with pytest.raises(ValueError, match="shapes, cifar10, cifar100"):
        load_dataset("imagenet-on-a-floppy")
    with pytest.raises(ValueError, match="cifar10"):
        load_cifar("cifar1000")


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_without_network_says_what_to_do(name, tmp_path, monkeypatch):
    cut_network(monkeypatch, keras_home=tmp_path)
    with pytest.raises(DatasetUnavailableError) as error:
        load_dataset(name)
    message = str(error.value)
    assert "\n" not in message
    assert f"Could not download {name}" in message
    assert "Connect to the internet once" in message and "shapes" in message
