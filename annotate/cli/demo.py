"""``annotate demo``: the whole loop on the seed corpus, for someone trying the tool.

It only chains the real commands — start Label Studio, pre-label ``seeds/`` (with the LLM when one
is configured, else the offline pre-labeler), push the predictions — and then says how to log in
and what to run after correcting. Nothing here is demo-only logic.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel

from annotate.cli import labelstudio, prelabel
from annotate.cli.conventions import EXIT_FAILED, DbOption, fail
from annotate.genre_sources import builtin_schemas


def _seeds() -> Path:
    """``./seeds``, else the checkout's ``seeds/`` (an installed wheel has none: say so)."""
    for folder in (Path.cwd() / "seeds", builtin_schemas().parent / "seeds"):
        if folder.is_dir():
            return folder
    raise fail("no seeds/ folder here to demo with; pass the documents: annotate demo FILE_OR_FOLDER ...")


def _prog() -> str:
    """How the user can call this command again (``make demo`` runs ``.venv/bin/annotate``)."""
    exe = Path(sys.argv[0])
    if exe.name == "annotate" and exe.exists():
        try:
            return str(exe.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(exe)
    return "annotate"


def demo_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Documents to pre-label (default: seeds/).")] = None,
    backend: Annotated[str, typer.Option(help="auto | llm | rules")] = "auto",
    db: DbOption = None,
) -> None:
    """Start Label Studio, pre-label the seeds into the store, push them, and print how to log in."""
    console = Console(stderr=True)
    documents = paths or [_seeds()]
    console.rule("1/3 Label Studio")
    labelstudio.up_command(port=None)
    console.rule("2/3 pre-label")
    failed = False
    try:
        prelabel.prelabel_command(paths=documents, backend=backend, db=db)
    except typer.Exit as exc:
        if exc.exit_code != EXIT_FAILED:
            raise
        failed = True  # the failures are listed above; push what did succeed
    console.rule("3/3 push")
    labelstudio.push_command(db=db)
    from annotate.labelstudio import server

    info = server.status()
    prog = _prog()
    Console().print(
        Panel.fit(
            f"Open [bold]{info.url}[/]\nand log in as [bold]{info.username}[/] / [bold]{info.password}[/]\n"
            "Each seed is a task with its records highlighted (the long table comes as pages, 第 n/N 页):\n"
            "correct the regions, then Submit.\n"
            f"Then: [bold]{prog} pull[/] (gold into the store) and [bold]{prog} status[/].\n"
            f"Stop the server with [bold]{prog} ls down[/].",
            title="annotate demo: ready",
        )
    )
    if failed:
        raise typer.Exit(EXIT_FAILED)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
