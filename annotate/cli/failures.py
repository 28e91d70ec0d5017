"""``annotate failures`` and ``annotate failures clear``: what went wrong, and forgetting what no run will fix.

A failure closes by itself when its document (or its file) later succeeds. What never will — a
mistyped path, a file deleted since — is removed here, all at once or, with ``--missing``, only
those whose file is gone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from annotate.cli.conventions import DbOption, fail, store_session
from annotate.cli.tables import Col, print_table

failures_app = typer.Typer(
    help="Open failures: list them (the default), or clear those no run will fix.", invoke_without_command=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _where(failure: Any, sources: dict[str, str]) -> str | None:
    """The file a failure is about: its own path, else its document's last-seen path."""
    return failure.source or (sources.get(failure.doc_id) if failure.doc_id else None)


def _list(db: Path | None, as_json: bool) -> None:
    from annotate.store.failures import open_failures

    with store_session(db, read_only=True, errors=(Exception,), name_errors=True) as con:
        failures = open_failures(con)
    if as_json:
        print(json.dumps([f.public_dict() for f in failures], ensure_ascii=False))
        return
    out = Console()
    if not failures:
        out.print("no open failures")
        return
    rows = [
        (f.source or "?", f.doc_id or "—", f.stage, f.reason, f.created.isoformat(sep=" ", timespec="seconds"))
        for f in failures
    ]
    cols = (
        Col("path", fold=12, keep=9), Col("doc_id", keep=4), Col("stage", keep=8), Col("reason", fold=16, keep=9),
        Col("when", fold=10, keep=2),
    )  # fmt: skip
    print_table(out, cols, rows, title="open failures", header_style="bold", hint="--json has them")
    out.print(f"{len(failures)} open failure(s); `annotate failures clear [--missing]` forgets them", highlight=False)


@failures_app.callback()
def failures_command(ctx: typer.Context, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Open failures, newest first: which file or document, at which stage, and why."""
    if ctx.invoked_subcommand is None:
        _list(db, as_json)


@failures_app.command("list")
def list_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Open failures, newest first: which file or document, at which stage, and why."""
    _list(db, as_json)


@failures_app.command("clear")
def clear_command(
    missing: Annotated[
        bool,
        typer.Option(
            "--missing",
            help="Only failures whose file no longer exists (relative paths are looked up "
            "from the current directory, as prelabel was given them).",
        ),
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Remove open failures for good (all, or with --missing those whose file is gone); prints how many."""
    from annotate.store.failures import delete_failures, open_failures

    with store_session(db, errors=(Exception,), name_errors=True) as con:
        failures = open_failures(con)
        if missing:
            sources = dict(con.execute("SELECT doc_id, source FROM documents WHERE source IS NOT NULL").fetchall())
            gone = [(f, where) for f in failures if (where := _where(f, sources)) and not Path(where).exists()]
            _check_relative_paths_resolve([where for _, where in gone], list(sources.values()))
            removed = delete_failures(con, [f.id for f, _ in gone])
            paths = sorted({where for _, where in gone})
        else:
            removed = delete_failures(con)
            paths = []
    left = len(failures) - removed
    if as_json:
        print(json.dumps({"removed": removed, "left": left, "paths": paths}, ensure_ascii=False))
        return
    what = "whose file no longer exists" if missing else ""
    print(" ".join(filter(None, [f"removed {removed} open failure(s)", what, f"({left} left)"])))
    for path in paths:
        print(f"  {path}")


def _check_relative_paths_resolve(gone: list[str], known: list[str]) -> None:
    """Refuse to call relative paths gone when none of the store's relative paths resolve from here:
    that means the command runs from another folder than prelabel did, not that files were deleted."""
    relative_gone = [p for p in gone if not Path(p).is_absolute()]
    relative_known = [p for p in known if not Path(p).is_absolute()]
    if relative_gone and relative_known and not any(Path(p).exists() for p in relative_known):
        raise fail(
            f"none of the store's {len(relative_known)} relative document paths exist from {Path.cwd()}; "
            "run `annotate failures clear --missing` from the folder prelabel ran in (nothing removed)"
        )


def register(app: typer.Typer) -> None:
    """Add ``failures`` to the app."""
    app.add_typer(failures_app, name="failures")
