"""``annotate prelabel --via batch``, ``annotate batch status`` and ``annotate batch collect``.

Thin, like the other commands: the flow is :mod:`annotate.batch.provider_batch`; here are only the
tables, the JSON for scripts and the exit codes (0 done or still waiting, 1 some document failed,
2 the command could not run).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from annotate.cli.conventions import EXIT_FAILED, EXIT_INTERRUPTED, DbOption, fail

batch_app = typer.Typer(help="Pre-labels sent through a provider's Batch API (prelabel --via batch).",
                        no_args_is_help=True)  # fmt: skip


def _guard(coro: Any) -> Any:
    """Run the flow; every error one line (exit 2), never a traceback."""
    from annotate.batch import BatchError
    from annotate.store.db import StoreError

    try:
        return asyncio.run(coro)
    except (BatchError, StoreError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("interrupted", EXIT_INTERRUPTED) from None
    except Exception as exc:  # a bug or a broken install: still one line
        raise fail(f"{type(exc).__name__}: {exc}") from None


def _batches_table(rows: list[Any]) -> Table:
    table = Table(title="provider batches", header_style="bold")
    for name in ("batch", "job", "round", "provider id", "status", "requests", "collected", "note"):
        table.add_column(name)
    for b in rows:
        table.add_row(b.id, b.job_id, str(b.round), b.batch_id or "-", b.status, str(b.requests),
                      "yes" if b.collected else "no", b.note or "")  # fmt: skip
    return table


def submit_via_batch(paths: list[Path], options: Any, db: Path | None, as_json: bool) -> None:
    """The ``--via batch`` branch of ``annotate prelabel``: submit, print what was sent."""
    from annotate.batch.provider_batch import submit

    out = _guard(submit(paths, options, db=db))
    data = {"batch": out.batch.public_dict() if out.batch else None, "documents": out.documents,
            "requests": out.requests, "already_predicted": out.predicted, "already_in_a_batch": out.pending,
            "failed": [{"source": s, "reason": r} for s, r in out.failed]}  # fmt: skip
    if as_json:
        print(json.dumps(data, ensure_ascii=False, default=str))
    elif out.batch is None:
        print(f"nothing to send: {out.predicted} already predicted, {out.pending} already in a batch")
    else:
        print(f"submitted batch {out.batch.id} ({out.batch.batch_id}, {out.batch.status}): {out.requests} request(s) "
              f"for {out.documents} document(s); {out.predicted} already predicted, {out.pending} already in a batch. "
              f"Next: annotate batch status {out.batch.id}; annotate batch collect {out.batch.id}")  # fmt: skip
    for source, reason in out.failed:
        print(f"failed {source}: {reason}", file=sys.stderr)
    if out.failed:
        raise typer.Exit(EXIT_FAILED)


@batch_app.command("status")
def status_command(
    ref: Annotated[str | None, typer.Argument(help="A batch or job id (default: all).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """Ask the provider about unfinished batches (finishing interrupted submits) and list them."""
    from annotate.batch.provider_batch import status

    rows = _guard(status(db, ref))
    if as_json:
        print(json.dumps({"batches": [b.public_dict() for b in rows]}, ensure_ascii=False, default=str))
    elif not rows:
        print("no provider batches in the store")
    else:
        Console().print(_batches_table(rows))


def _collected_dict(c: Any) -> dict[str, Any]:
    s = c.summary
    return {
        "job": c.job_id,
        "waiting": c.waiting,
        "batches": [b.public_dict() for b in c.batches],
        "predicted": s.predicted if s else 0,
        "cached": s.cached if s else 0,
        "failed": (s.failed - c.deferred_docs) if s else 0,
        "waiting_for_follow_up": c.deferred_docs,
        "batch_answers": c.replayed,
        "live_calls": c.live.get("calls", 0),
        "live_prompt_tokens": c.live.get("prompt_tokens", 0),
        "live_completion_tokens": c.live.get("completion_tokens", 0),
        "follow_up": c.follow_up.id if c.follow_up else None,
        "costs": c.costs,
        "failures": [{"source": f.source, "stage": f.stage, "reason": f.reason} for f in (s.failures if s else [])],
        "interrupted": bool(s and s.interrupted),
    }


@batch_app.command("collect")
def collect_command(
    ref: Annotated[str | None, typer.Argument(help="A batch or job id (default: every finished job).")] = None,
    reask: Annotated[str, typer.Option(help="Where failed or faulty answers are asked again: live | batch.")] = "live",
    wait: Annotated[bool, typer.Option("--wait", help="Poll until the batches are finished.")] = False,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between polls with --wait.")] = 30.0,
    concurrency: Annotated[int, typer.Option(min=1, envvar="ANNOTATE_CONCURRENCY", help="Live re-asks in flight.")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """Download finished batches, read and ground every answer as a live run does, write predictions."""
    from annotate.batch.batch_answers import REASK_MODES
    from annotate.batch.provider_batch import collect

    if reask not in REASK_MODES:
        raise fail(f"--reask must be one of {', '.join(REASK_MODES)} (got {reask!r})")
    while True:
        results = _guard(collect(db, ref, reask=reask, concurrency=concurrency, handle_signals=True))
        if not wait or not any(c.waiting for c in results):
            break
        time.sleep(poll)
    data = [_collected_dict(c) for c in results]
    if as_json:
        print(json.dumps({"jobs": data}, ensure_ascii=False, default=str))
    elif not data:
        print("nothing to collect")
    for c, d in zip(results, data, strict=True):
        if not as_json:
            _print_job(c, d)
        for f in d["failures"]:
            if f["stage"] != "batch":
                print(f"failed ({f['stage']}) {f['source']}: {f['reason']}", file=sys.stderr)
    if any(d["interrupted"] for d in data):
        print("annotate: interrupted; finished documents are saved, run collect again to continue", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED)
    if any(d["failed"] for d in data):
        raise typer.Exit(EXIT_FAILED)


def _print_job(c: Any, d: dict[str, Any]) -> None:
    out = Console()
    out.print(_batches_table(c.batches))
    if c.waiting:
        out.print(f"job {c.job_id}: not finished at the provider yet; run collect again later (or --wait)")
        return
    table = Table(title=f"collect {c.job_id}", show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name in ("predicted", "cached", "failed", "waiting_for_follow_up", "batch_answers", "live_calls",
                 "live_prompt_tokens", "live_completion_tokens"):  # fmt: skip
        table.add_row(name.replace("_", " "), str(d[name]))
    out.print(table)
    for cost in d["costs"]:
        usd = "no configured price" if cost["cost_usd"] is None else f"${cost['cost_usd']:.4f}"
        out.print(f"batch cost {cost['version_key']}: {cost['prompt_tokens']} + {cost['completion_tokens']} tokens, "
                  f"{usd} at {100 * (1 - cost['discount']):.0f} % of the list price", markup=False)  # fmt: skip
    if c.follow_up is not None:
        out.print(f"re-asks sent as follow-up batch {c.follow_up.id}: collect again when it is done")


def register(app: typer.Typer) -> None:
    """Add ``annotate batch …`` (``--via batch`` is an option of ``prelabel``)."""
    app.add_typer(batch_app, name="batch")
