"""Reading the images a command works on, limited to the numbers asked for."""

from __future__ import annotations

from keras_mlpmix import datasets


def training_data(args, image_size):
    """`(x_train, y_train), (x_test, y_test), class_names` of `args.dataset`.

    Args:
        args: Parsed dataset, seed, train_images, test_images and skip_unreadable.
        image_size: Size the images of a folder dataset are resized to.
    """
    (x_train, y_train), (x_test, y_test), class_names = datasets.load_dataset(
        args.dataset,
        image_size=image_size,
        seed=args.seed,
        skip_unreadable=args.skip_unreadable,
    )
    train, test = slice(args.train_images), slice(args.test_images)
    return (x_train[train], y_train[train]), (x_test[test], y_test[test]), class_names


def evaluation_data(args, image_size):
    """`(x_test, y_test), class_names`: what `evaluate` tests a model on.

    Args:
        args: Parsed dataset, seed, test_fraction, test_images and skip_unreadable.
        image_size: Size the images of a folder dataset are resized to.
    """
    (x_test, y_test), class_names = datasets.load_test_set(
        args.dataset,
        image_size=image_size,
        seed=args.seed,
        test_fraction=args.test_fraction,
        skip_unreadable=args.skip_unreadable,
    )
    test = slice(args.test_images)
    return (x_test[test], y_test[test]), class_names
