"""``annotate prelabel``, ``annotate status`` and ``annotate show``: the review store from the shell.

Thin: the run is :mod:`annotate.batch`, the figures come from :mod:`annotate.store`. What lives
here is only presentation (rich progress and tables, JSON for scripts) and the mapping of errors
to one clear line and an exit status: 0 all good, 1 some document failed, 2 the run could not go
on (busy or broken store, unreachable endpoint, bad key, bad option), 130 interrupted.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from annotate.cli.conventions import EXIT_FAILED, EXIT_INTERRUPTED, DbOption, fail, store_session

# -- prelabel ------------------------------------------------------------------------------------


def _summary_table(summary: Any) -> Table:
    """Vertical (figure, value): stays readable in narrow terminals and in captured logs."""
    table = Table(title="prelabel summary", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("documents", summary.documents),
        ("  predicted", summary.predicted),
        ("  cached (already predicted)", summary.cached),
        ("  duplicates", summary.duplicates),
        ("  failed", f"[red]{summary.failed}[/]" if summary.failed else 0),
        ("LLM calls", summary.calls),
        ("cache hits", summary.cache_hits),
        ("tokens in", summary.prompt_tokens),
        ("tokens out", summary.completion_tokens),
        ("elapsed", f"{summary.elapsed:.1f} s"),
    ]
    if summary.unsure_routes:
        rows.insert(5, ("  routed by a guess (unsure)", summary.unsure_routes))
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def prelabel_command(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (searched recursively).")],
    schema: Annotated[str, typer.Option(help="Schema name, or 'auto' to route each document.")] = "auto",
    backend: Annotated[str, typer.Option(help="auto | llm | rules")] = "auto",
    concurrency: Annotated[int, typer.Option(min=1, envvar="ANNOTATE_CONCURRENCY", help="LLM requests in flight at once (a few more documents are prepared ahead).")] = 8,
    limit: Annotated[int | None, typer.Option(min=0, help="Only the first N files.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-extract even what is already predicted.")] = False,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
) -> None:
    """Pre-label documents into the review store (resumable; a re-run only does what is missing)."""
    from annotate.batch import BatchError, BatchOptions, BatchSummary, DocOutcome, run_batch
    from annotate.store.db import StoreError

    err = Console(stderr=True)
    options = BatchOptions(schema=schema, backend=backend, concurrency=concurrency, limit=limit, force=force)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]prelabel"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "[green]{task.fields[done]} done[/] [cyan]{task.fields[cached]} cached[/] "
            "[red]{task.fields[failed]} failed[/] {task.fields[tokens]} tok"
        ),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    task_id = progress.add_task("prelabel", total=None, done=0, cached=0, failed=0, tokens=0)

    def on_start(total: int) -> None:
        progress.update(task_id, total=total)

    def on_doc(outcome: DocOutcome, s: BatchSummary) -> None:
        if outcome.unsure:
            progress.console.print(
                f"unsure: {outcome.source} routed to {outcome.schema} (keywords were not conclusive; "
                "use --schema to override)", markup=False, highlight=False, soft_wrap=True,
            )
        if outcome.status == "failed":
            reason = outcome.reason or "unknown reason"
            line = reason if reason.startswith(outcome.source) else f"{outcome.source}: {reason}"
            progress.console.print(f"failed ({outcome.stage}) {line}", markup=False, highlight=False, soft_wrap=True)
        progress.update(
            task_id,
            advance=1,
            done=s.predicted,
            cached=s.cached + s.duplicates,
            failed=s.failed,
            tokens=s.prompt_tokens + s.completion_tokens,
        )
        if not err.is_terminal:  # no live bar in a log file: one plain line per document instead
            task = progress.tasks[0]
            err.print(f"prelabel {int(task.completed)}/{int(task.total or 0)} {outcome.status} {outcome.source} "
                      f"({s.predicted} done, {s.cached + s.duplicates} cached, {s.failed} failed, "
                      f"{int(task.elapsed or 0)} s)", markup=False, highlight=False, soft_wrap=True)  # fmt: skip

    try:
        with progress:
            summary = asyncio.run(
                run_batch(paths, options, db=db, progress=on_doc, on_start=on_start, handle_signals=True)
            )
    except (BatchError, StoreError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("interrupted", EXIT_INTERRUPTED) from None
    except Exception as exc:  # a bug or a broken install: still one line, never a traceback
        raise fail(f"{type(exc).__name__}: {exc}") from None
    if summary.files == 0:
        raise fail(f"no documents found in {', '.join(map(str, paths))} (supported: .txt .md .html)")
    if as_json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False))
    else:
        Console().print(_summary_table(summary))
    for line in summary.write_errors:
        print(f"annotate: error: could not save: {line}", file=sys.stderr)
    if summary.interrupted:
        print("annotate: interrupted; finished documents are saved, run again to continue", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED)
    if summary.failed or summary.write_errors:
        raise typer.Exit(EXIT_FAILED)


# -- status --------------------------------------------------------------------------------------

_STAGES = ("documents", "predicted", "failed", "pushed", "annotated", "gold", "quarantined", "rejected")


def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """Counts per stage, open failures and quarantine reasons."""
    from annotate.store.status import status_report

    with store_session(db, read_only=True, errors=(Exception,), name_errors=True) as con:
        report = status_report(con)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
        return
    out = Console()
    counts = Table(title="review store", header_style="bold")
    counts.add_column("stage")
    counts.add_column("documents", justify="right")
    for name in _STAGES:
        counts.add_row(name, str(report[name]))
    out.print(counts)
    if report["by_schema"]:
        per = Table(title="per schema", header_style="bold")
        for name in ("schema", "documents", "predicted", "pushed", "gold"):
            per.add_column(name, justify="left" if name == "schema" else "right")
        for schema, c in report["by_schema"].items():
            per.add_row(schema, *(str(c[k]) for k in ("documents", "predicted", "pushed", "gold")))
        out.print(per)
    if report["open_failures"]:
        fails = Table(title="open failures", header_style="bold")
        for name in ("document", "stage", "reason", "when"):
            fails.add_column(name, overflow="fold", no_wrap=name == "document")
        for f in report["open_failures"]:
            name = Path(f["source"]).name if f["source"] else "?"
            who = f"{name} ({f['doc_id'][:8]})" if f["doc_id"] else name
            fails.add_row(who, f["stage"], f["reason"], f["created"])
        out.print(fails)
    if report["quarantine"]:
        quarantine = Table(title="quarantine", header_style="bold")
        for name in ("document", "schema", "annotation", "reason"):
            quarantine.add_column(name)
        for q in report["quarantine"]:
            quarantine.add_row(q["doc_id"], q["schema_name"], str(q["annotation_id"]), q["reason"])
        out.print(quarantine)
    if report["waiting_pages"]:
        waiting = Table(title="paged documents: gold waits for these pages", header_style="bold")
        for name in ("document", "schema", "pages", "waiting"):
            waiting.add_column(name)
        for w in report["waiting_pages"]:
            pages = ", ".join(str(n) for n in w["waiting"])
            waiting.add_row(w["doc_id"], w["schema_name"], str(w["pages"]), pages)
        out.print(waiting)


# -- show ----------------------------------------------------------------------------------------


def _show_data(con: Any, doc_id: str) -> dict[str, Any]:
    from annotate.store.documents import get_document, resolve_doc_id
    from annotate.store.failures import failures_for
    from annotate.store.gold import latest_gold
    from annotate.store.predictions import latest_prediction

    matches = resolve_doc_id(con, doc_id)
    if doc_id in matches:
        matches = [doc_id]
    if not matches:
        raise fail(f"no document {doc_id!r} in the store", EXIT_FAILED)
    if len(matches) > 1:
        raise fail(f"{doc_id!r} matches several documents ({', '.join(matches[:5])}…); give more characters")
    stored = get_document(con, matches[0])
    assert stored is not None
    prediction = latest_prediction(con, stored.doc_id)
    gold = latest_gold(con, stored.doc_id)
    return {
        "doc_id": stored.doc_id,
        "source": stored.source,
        "schema": stored.schema_name,
        "chars": len(stored.text),
        "prediction": prediction.public_dict() if prediction else None,
        "gold": gold,
        "failures": [f.public_dict() for f in failures_for(con, stored.doc_id) if not f.resolved],
    }


def _groundings_table(title: str, groundings: list[dict[str, Any]]) -> Table:
    table = Table(title=title, header_style="bold")
    for name in ("path", "status", "span", "confidence", "quote / value"):
        table.add_column(name)
    for g in groundings:
        span = f"{g.get('start')}–{g.get('end')}" if g.get("start") is not None else "—"
        conf = f"{g['confidence']:.2f}" if g.get("confidence") is not None else "—"
        table.add_row(g.get("path", ""), g.get("status", ""), span, conf, g.get("quote") or g.get("value") or "")
    return table


def show_command(
    doc_id: Annotated[str, typer.Argument(help="Document id (or a unique prefix of it).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """The latest prediction (and latest gold) of one document, with its groundings."""
    with store_session(db, read_only=True, errors=(Exception,), name_errors=True) as con:
        data = _show_data(con, doc_id)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, default=str))
        return
    out = Console()
    out.print(f"[bold]{data['doc_id']}[/]  {data['source']}  schema={data['schema']}  {data['chars']} chars")
    for f in data["failures"]:
        out.print(f"[red]open failure[/] ({f['stage']}): {f['reason']}", highlight=False)
    for label in ("prediction", "gold"):
        item = data[label]
        if not item:
            out.print(f"no {label}")
            continue
        if label == "prediction":
            out.print(f"[bold]prediction[/] {item['model_version']}  backend={item['backend']}  "
                      f"confidence={item['confidence']}", highlight=False)
            for note in item.get("notes") or []:
                out.print(f"  note: {note}", highlight=False)
        else:
            out.print(f"[bold]gold[/] version {item.get('version')}  annotator={item.get('annotator')}  "
                      f"from {item.get('prediction_version_key')}", highlight=False)
        out.print_json(json.dumps(item.get("record", {}), ensure_ascii=False))
        groundings = item.get("groundings") or []
        if groundings:
            out.print(_groundings_table(f"{label} groundings", groundings))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("prelabel")(prelabel_command)
    app.command("status")(status_command)
    app.command("show")(show_command)
