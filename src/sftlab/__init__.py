"""sftlab: shared helpers for the supervised fine-tuning tutorial notebooks."""

__version__ = "0.1.0"
