"""Stage 1, data: everything that turns text into a dataset fit for fine-tuning.

Sources and packaged corpora, cleaning, duplicate and leakage detection, grouped splits,
annotation agreement, label-error search, augmentation, the SFT record formats, data cards and
the build of the project's own datasets. Notebooks 02 (building data) and 03 (formats) teach it.
Imports only ``sftlab.io``.
"""
