"""The built-in genres' schema files: one Pydantic model per genre (shipped in the wheel as
``annotate.genres.schemas``; prompts beside them in ``prompts/``). See ``annotate.genre_sources``.

Each module (not starting with ``_``) defines ``NAME``, ``MODEL`` and ``DESCRIPTION``, and may
define ``KEYWORDS`` (weighted cues the router scores documents with), ``clean(record, text)``
(the genre's clean-up of a model's answer, given the text it was extracted from; validators on
the model do what needs no text), ``RULES`` (the offline pre-labeler, a callable
``(text, metadata) -> record`` or ``"module:function"``), and ``LABELS`` / ``CHOICE_LABELS`` (what
annotators read). Shared pieces live in ``_*.py`` files, imported relatively. Evidence is every
string field not marked ``Derived``; see ``annotate.core.evidence``.
"""
