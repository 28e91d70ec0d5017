"""``annotate prelabel`` and ``annotate status``: the review store from the shell.

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

from annotate.cli.conventions import EXIT_FAILED, EXIT_INTERRUPTED, DbOption, fail
from annotate.cli.tables import Col, print_table

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
    via: Annotated[str, typer.Option(help="live: call the endpoint now | batch: submit to its Batch API (half price; then annotate batch collect).")] = "live",
    engine: Annotated[str, typer.Option(help="local: this process | ray: shard the documents over a Ray cluster (pip install 'annotate[ray]'); --concurrency is then per Ray task.")] = "local",
    ray_address: Annotated[str | None, typer.Option(envvar="RAY_ADDRESS", help="The Ray cluster to use (default: start a local one).")] = None,
    ray_cpus: Annotated[int | None, typer.Option(min=1, help="CPUs of the local Ray cluster started when no address is given (default: all).")] = None,
    ray_shard_size: Annotated[int | None, typer.Option(min=1, help="Documents per Ray task (default: 4 tasks per CPU, at most 256 documents each).")] = None,
) -> None:
    """Pre-label documents into the review store (resumable; a re-run only does what is missing)."""
    from annotate.batch import BatchError, BatchOptions, BatchSummary, DocOutcome, run_batch
    from annotate.store.db import StoreError

    err = Console(stderr=True)
    options = BatchOptions(schema=schema, backend=backend, concurrency=concurrency, limit=limit, force=force)
    if engine not in ("local", "ray"):
        raise fail(f"--engine must be local or ray (got {engine!r})")
    if via != "live":
        if engine != "local":
            raise fail("--engine ray sends live calls; --via batch runs from this process")
        if via != "batch":
            raise fail(f"--via must be live or batch (got {via!r})")
        from annotate.cli.batch_api import submit_via_batch

        return submit_via_batch(paths, options, db, as_json)
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
            if engine == "ray":
                from annotate.batch.ray_engine import prelabel_ray

                summary = prelabel_ray(paths, options, db=db, address=ray_address, num_cpus=ray_cpus,
                                       shard_size=ray_shard_size, progress=on_doc, on_start=on_start)  # fmt: skip
            else:
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


def _run_line(run: dict[str, Any] | None) -> str | None:
    """One line about a prelabel that is running (counts below are its last snapshot) or died."""
    if not run or run.get("state") not in ("running", "stopped"):
        return None
    figures = (f"{run.get('documents', 0)}/{run.get('files', 0)} files, {run.get('predicted', 0)} predicted, "
               f"{run.get('cached', 0)} cached, {run.get('failed', 0)} failed")  # fmt: skip
    if run["state"] == "stopped":
        return (f"last prelabel (pid {run.get('pid')}, run {run.get('run_id')}) stopped without finishing "
                f"at {run.get('updated')}: {figures}; run it again to continue")  # fmt: skip
    eta = run.get("eta_s")
    left = f", about {int(eta // 60)} min {int(eta % 60)} s left" if eta is not None else ""
    as_of = (run.get("updated") or "?")[11:19]
    return (f"prelabel running (pid {run.get('pid')}, run {run.get('run_id')}): {figures}, "
            f"{run.get('rate', 0):.1f} documents/s{left}. It holds the database: counts below as of {as_of} UTC.")  # fmt: skip


def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """Counts per stage, open failures and quarantine reasons (during a prelabel: its progress too)."""
    from annotate.store.db import StoreError
    from annotate.store.progress import live_status

    try:
        report = live_status(db)
    except StoreError as exc:
        raise fail(str(exc)) from None
    except Exception as exc:  # a bug or a broken store: still one line
        raise fail(f"{type(exc).__name__}: {exc}") from None
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
        return
    out = Console()
    run_line = _run_line(report.get("run"))
    if run_line:
        out.print(run_line, markup=False, highlight=False, soft_wrap=True)
    counts = Table(title="review store", header_style="bold")
    counts.add_column("stage")
    counts.add_column("documents", justify="right")
    for name in _STAGES:
        counts.add_row(name, str(report[name]))
    out.print(counts)
    if report["by_schema"]:
        figures = ("documents", "predicted", "pushed", "gold")
        rows = [(schema, *(str(c[k]) for k in figures)) for schema, c in report["by_schema"].items()]
        cols = (Col("schema", fold=12, keep=9), *(Col(k, justify="right") for k in figures))
        print_table(out, cols, rows, title="per schema", header_style="bold")
    if report["open_failures"]:
        rows = []
        for f in report["open_failures"]:
            name = f["source"] or "?"
            rows.append((f"{name} ({f['doc_id']})" if f["doc_id"] else name, f["stage"], f["reason"], f["created"]))
        cols = (Col("document", fold=14, keep=9), Col("stage", keep=8), Col("reason", fold=16, keep=9),
                Col("when", fold=10, keep=2))  # fmt: skip
        print_table(out, cols, rows, title="open failures", header_style="bold", hint="--json has them")
    if report["quarantine"]:
        rows = [(q["doc_id"], q["schema_name"], str(q["annotation_id"]), q["reason"]) for q in report["quarantine"]]
        cols = (Col("document", keep=9), Col("schema", fold=8, keep=5), Col("annotation", keep=4),
                Col("reason", fold=20, keep=9))  # fmt: skip
        print_table(out, cols, rows, title="quarantine", header_style="bold", hint="--json has them")
    if report["waiting_pages"]:
        rows = [(w["doc_id"], w["schema_name"], str(w["pages"]), ", ".join(str(n) for n in w["waiting"]))
                for w in report["waiting_pages"]]  # fmt: skip
        cols = (Col("document", keep=9), Col("schema", fold=8, keep=5), Col("pages", keep=6),
                Col("waiting", fold=10, keep=8))  # fmt: skip
        print_table(out, cols, rows, title="paged documents: gold waits for these pages", header_style="bold")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("prelabel")(prelabel_command)
    app.command("status")(status_command)
