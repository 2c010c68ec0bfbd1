"""Pretrained weights: loading, converting and exporting checkpoints.

- `load_checkpoint` loads an official MLP-Mixer `.npz` or a timm
  `.safetensors` / `.pth` / `.bin` file into a `Backbone` or
  `ImageClassifier`, all or nothing, and returns a `LoadReport`.
- `convert_checkpoint` turns such a file into a Keras `.weights.h5` or
  `.keras` file.
- `export_checkpoint` writes a model's weights back in either layout.

`Backbone.from_preset(name, weights=...)` and `ImageClassifier.from_preset`
use these to download, verify, convert and cache the pretrained presets'
checkpoints (`keras_mlpmix.weights.pretrained`).
"""

from keras_mlpmix.weights.conversion import convert_checkpoint
from keras_mlpmix.weights.export import export_checkpoint
from keras_mlpmix.weights.loading import LoadReport, load_checkpoint

__all__ = ["LoadReport", "convert_checkpoint", "export_checkpoint", "load_checkpoint"]
