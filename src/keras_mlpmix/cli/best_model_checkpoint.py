"""Saving a model each time a monitored metric improves."""

from __future__ import annotations

import keras


class BestModelCheckpoint(keras.callbacks.Callback):
    """Saves `model` to `path` whenever `monitor` reaches a new best.

    Unlike `keras.callbacks.ModelCheckpoint`, it saves the given model, e.g. the
    classifier inside `Recipe.fit`'s wrapper, free of the augmentation.

    Args:
        model: The model to save.
        path: A `.keras` file.
        monitor: A metric of the epoch logs, e.g. `"val_accuracy"`.
        mode: `"max"` if larger is better, `"min"` if smaller is.
    """

    def __init__(self, model, path, monitor: str = "val_accuracy", mode: str = "max"):
        super().__init__()
        self.saved_model = model
        self.path = path
        self.monitor = monitor
        self.sign = 1 if mode == "max" else -1
        self.best = None
        self.best_epoch = None

    def on_epoch_end(self, epoch, logs=None):
        value = self.sign * float(logs[self.monitor])
        if self.best is None or value > self.best:
            self.best, self.best_epoch = value, epoch
            self.saved_model.save(self.path)
