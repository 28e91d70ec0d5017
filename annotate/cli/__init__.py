"""The ``annotate`` command: a thin shell over the library.

Each command family lives in its own module and registers itself here; none of them holds logic
that the library does not also expose.
"""

from __future__ import annotations

import typer

from annotate.cli import batch_api, browse, dataset, demo, extract, failures, labelstudio, llm, prelabel

app = typer.Typer(
    name="annotate",
    help="LLM-assisted annotation: pre-label documents, review them in Label Studio, export gold data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (extract, prelabel, batch_api, browse, failures, labelstudio, llm, dataset, demo):
    module.register(app)


def main() -> None:
    app()
