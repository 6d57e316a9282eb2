"""Stage 2, evaluation: scores that tell the truth, and the baselines a model must beat.

Entity-level F1 and a conlleval-style scorer, classification scores, error analysis,
calibration, confidence intervals and significance tests, robustness probes, and the classical
baselines (majority class, TF-IDF + logistic regression, gazetteer, feature tagger). Notebook 08
(evaluation) teaches it; every fine-tuning notebook uses it. Imports ``sftlab.io`` and
``sftlab.data``.
"""
