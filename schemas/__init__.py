"""Schema files: one Pydantic model per genre. Loaded by ``annotate.schemas`` from this folder.

Each module (not starting with ``_``) defines ``NAME``, ``MODEL`` and ``DESCRIPTION``, and may
define ``KEYWORDS`` (weighted cues the router scores documents with) and ``clean(record, text)``:
the genre's clean-up of a model's answer, given the text it was extracted from (validators on
the model do what needs no text). Evidence is every string
field not marked ``Derived``; see ``annotate.core.evidence``.
"""
