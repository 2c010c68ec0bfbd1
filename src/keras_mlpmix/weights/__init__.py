"""Loading official MLP-Mixer and timm checkpoints into models, and exporting them."""

from keras_mlpmix.weights.loading import LoadReport, export_checkpoint, load_checkpoint

__all__ = ["LoadReport", "export_checkpoint", "load_checkpoint"]
