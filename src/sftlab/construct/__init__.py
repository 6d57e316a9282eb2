"""Stage 4, automated construction: generate -> evaluate -> filter -> feed back (notebook 04).

Generators (templates, rules, the small language model), parsers that turn a raw generation
into an example or say why not, the filters, and the loop. It sits above ``sftlab.train`` and
``sftlab.evaluate`` because it uses trained models as judges and a language model as generator.
"""
