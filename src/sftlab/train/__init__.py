"""Stage 3, training: pretrained models in, fine-tuned models out.

Offline model loading (the embedded encoder and causal LM), encoding and batching, the training
loop with resumable checkpoints, one-call fine-tuning, the ``Trainer`` comparison, LoRA,
distributed launch, inference and deployment. Notebooks 05, 06, 07 and 09 teach it. Imports
``sftlab.io``, ``sftlab.data`` and ``sftlab.evaluate`` (the loop scores on dev with its metrics).
"""
