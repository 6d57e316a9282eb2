"""Stage 0, input and output: validated readers and writers for every file format the project uses.

CoNLL/IOB2 token files, JSON Lines and TSV, inline bracket annotation, the entity tag schemes,
the word tokenizer they share, atomic writes and the error types that name file, line and
problem. Every notebook reads its data through here; notebook 03 teaches the formats.
Imports nothing else of sftlab.
"""
