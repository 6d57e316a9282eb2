"""Theory: what notebook 01 derives by hand and checks numerically.

Cross-entropy losses and their gradients, finite-difference gradient checks, one hand-written
Adam and AdamW step, and bag-of-words features for the from-scratch models.
Imports only ``sftlab.io``.
"""
