"""sftlab: the helpers of the supervised fine-tuning tutorial, one subpackage per stage of the data's way.

``io`` (read and write files) -> ``data`` (build datasets) -> ``evaluate`` (score) -> ``train``
(fine-tune) -> ``construct`` (generate data with models) -> ``run`` (execute the notebooks);
``theory`` holds what notebook 01 derives. Each stage imports only the stages before it; see
``docs/architecture.md``.
"""

__version__ = "0.1.0"
