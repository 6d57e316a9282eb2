"""Automated construction of fine-tuning data: generate -> evaluate -> filter -> feed back (notebook 04).

One module per stage: :mod:`.generators` (templates, rules, a language model), :mod:`.parsing`
(generations back into examples), :mod:`.rouge` and :mod:`.filters` (the evaluators), and
:mod:`.loop` (rounds, termination, bookkeeping).
"""
