"""The built-in genres. In the wheel, ``schemas/`` and ``prompts/`` sit here; in the repository
they are the top-level ``schemas/`` and ``prompts/``, mapped here by ``[tool.setuptools.package-dir]``
(the editable install maps them too). Found through :mod:`annotate.genre_sources`."""
