"""Checkpoint files: reading, checking, loading into a model and writing them.

- `load_checkpoint` loads an official MLP-Mixer `.npz` or a timm
  `.safetensors` / `.pth` / `.bin` file into a `Backbone` or
  `ImageClassifier`, all or nothing, and returns a `LoadReport`.
- `export_checkpoint` writes a model's weights back in either layout.

This package knows the files and their layouts, not the models: each
family's backbone names the checkpoint tensor of each of its weights
(`Backbone.checkpoint_rules`). `ImageClassifier.from_preset` and
`Backbone.from_preset` use it to load the pretrained presets' checkpoints,
downloaded and verified once into the Keras cache.
"""

from keras_mlpmix.weights.export import export_checkpoint
from keras_mlpmix.weights.loading import LoadReport, load_checkpoint

__all__ = ["LoadReport", "export_checkpoint", "load_checkpoint"]
