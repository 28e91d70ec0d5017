"""``annotate ls up|down|status``, ``annotate push`` and ``annotate pull``: the Label Studio round trip.

Thin: the work is in :mod:`annotate.labelstudio`. What lives here is presentation (rich progress,
a summary line) and the rule that a server that is down or refuses the token ends the command
with one line and exit status 2 *before* the store is opened, so nothing is written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from annotate.cli.conventions import EXIT_FAILED, DbOption, fail, store_session

ls_app = typer.Typer(help="Run a local Label Studio (installed on first use into .ls-venv).", no_args_is_help=True)




def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )  # fmt: skip


@ls_app.command("up")
def up_command(
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: last one, else a free one).")] = None,
    postgres: Annotated[
        str | None,
        typer.Option(
            envvar="ANNOTATE_LS_POSTGRES",
            help="Run on this PostgreSQL database (libpq conninfo or postgresql:// URL) instead of SQLite; "
            "the password may be left to PGPASSWORD or ~/.pgpass. Remembered without the password.",
        ),
    ] = None,
) -> None:
    """Install (first time) and start Label Studio; on a running server just print how to log in."""
    from annotate.labelstudio import server

    console = Console(stderr=True)
    try:  # server.up says each step with its estimate (plain lines: a log file shows no spinner)
        with console.status(f"Label Studio: up in {server.about(server.start_estimate())}…"):
            info = server.up(port=port, postgres=postgres or None,
                             log=lambda m: console.print(m, style="dim", markup=False, highlight=False,
                                                         soft_wrap=True))  # fmt: skip
    except server.ServerError as exc:
        raise fail(str(exc)) from None
    print(f"Label Studio: {info.url}")
    print(f"database:     {info.database}")
    print(f"user:         {info.username}")
    print(f"password:     {info.password}")
    print(f"API token:    {info.token}")
    print(f"pid:          {info.pid}   data: {info.data_dir}")


@ls_app.command("down")
def down_command() -> None:
    """Stop the local Label Studio started by `annotate ls up` (only that process)."""
    from annotate.labelstudio import server

    print("stopped" if server.down() else "not running")


@ls_app.command("status")
def status_command(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Is the local server running, where, and as whom (no secrets shown)."""
    from annotate.labelstudio import server

    info = server.status()
    if as_json:
        print(json.dumps(info.public()))
    elif info.running:
        print(f"running at {info.url} (pid {info.pid}) on {info.database}, user {info.username}; "
              "`annotate ls up` prints the password")  # fmt: skip
    else:
        print("not running" + (f" (last at {info.url})" if info.url else ""))
    if not info.running:
        raise typer.Exit(EXIT_FAILED)


def _per_schema(bar: Progress, verb: str) -> Callable[[str, int, int], None]:
    """A progress hook that gives each schema's project its own bar."""
    tasks: dict[str, Any] = {}

    def on(name: str, done: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bar.add_task(f"{verb} {name}", total=total)
        bar.update(tasks[name], completed=done)

    return on


def _client() -> Any:
    """A client whose server answered and accepted the token — or one line and exit 2."""
    from annotate.labelstudio.client import LabelStudioError, LSClient, resolve

    try:
        client = LSClient(resolve())
        client.whoami()
    except LabelStudioError as exc:
        raise fail(str(exc)) from None
    return client




def push_command(
    schema: Annotated[str | None, typer.Option("--schema", help="Only this schema's project.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    order: Annotated[
        str, typer.Option("--order", help="doubt: least confident tasks first; document: import order.")
    ] = "doubt",
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option("--compare", help="KEY_A KEY_B: only these two versions, side by side on the same tasks."),
    ] = None,
    annotators: Annotated[
        int | None,
        typer.Option("--annotators", min=1, help="Hand every task to N annotators (to measure their agreement)."),
    ] = None,
) -> None:
    """Create/update one project per schema and import predictions as pre-annotations (idempotent)."""
    from annotate.labelstudio.client import LabelStudioError
    from annotate.labelstudio.config import ConfigError
    from annotate.labelstudio.push import PushError, push
    from annotate.schema_registry import SchemaError, get_schema

    if order not in ("doubt", "document"):
        raise fail(f"--order must be doubt or document, not {order!r}")
    if schema:
        try:
            get_schema(schema)
        except SchemaError as exc:
            raise fail(str(exc)) from None
    client = _client()
    with store_session(db, errors=(LabelStudioError, SchemaError, ConfigError, PushError)) as con:
        with _progress(Console(stderr=True)) as bar:
            stats = push(con, client, schema_name=schema, progress=_per_schema(bar, "push"), order=order,
                         compare=compare, annotators=annotators)
    if as_json:
        print(json.dumps(stats.__dict__, ensure_ascii=False))
    else:
        print(
            f"pushed to {client.url}: {stats.tasks_created} new tasks, {stats.predictions_added} predictions, "
            f"{stats.already_pushed} already there, {stats.failed} failed ({stats.seconds:.1f} s)"
        )
        for schema_name, pid in stats.projects.items():
            print(f"  {schema_name}: {client.url}/projects/{pid}/data")
        for line in stats.failures:
            print(f"  failed: {line}", file=sys.stderr)
    if stats.failed:
        raise typer.Exit(EXIT_FAILED)


def pull_command(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch submitted annotations: accepted -> gold version, rejected -> recorded, invalid -> quarantine."""
    from annotate.labelstudio.client import LabelStudioError
    from annotate.labelstudio.pull import pull
    from annotate.schema_registry import SchemaError

    client = _client()
    with store_session(db, errors=(LabelStudioError, SchemaError)) as con:
        with _progress(Console(stderr=True)) as bar:
            stats = pull(con, client, progress=_per_schema(bar, "pull"))
    if as_json:
        print(json.dumps(stats.__dict__, ensure_ascii=False))
    else:
        print(
            f"pulled from {client.url}: {stats.accepted} gold, {stats.rejected} rejected, "
            f"{stats.quarantined} quarantined, {stats.unchanged} unchanged ({stats.seconds:.1f} s)"
        )
        for line in stats.quarantine_reasons:
            print(f"  quarantined: {line}")
        if stats.pages:
            print(f"  {stats.pages} page(s) of paged documents filed; `annotate status` lists the pages gold waits for")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.add_typer(ls_app, name="ls")
    app.command("push")(push_command)
    app.command("pull")(pull_command)
