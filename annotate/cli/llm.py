"""``annotate llm up|down|status|env``: a real instruct model on 127.0.0.1, with no API key.

Thin: the work is in :mod:`annotate.localmodel`. What lives here is presentation — a bar per long
step with an honest estimate (rich on a terminal, a plain line every few percent otherwise) — and
the lines to paste so that ``annotate`` uses the model.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from annotate.cli.conventions import EXIT_FAILED, fail

llm_app = typer.Typer(help="Run a local instruct model (installed on first use into .llm-venv).", no_args_is_help=True)


class _Steps:
    """Progress of the install steps: a rich bar on a terminal, plain lines every 10 % otherwise."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.said: dict[str, int] = {}

    def __enter__(self) -> _Steps:
        if self.console.is_terminal:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn(),
                                console=self.console, transient=True)  # fmt: skip
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def bytes(self, what: str, done: int, total: int) -> None:
        if self.bar is not None:
            if what not in self.tasks:
                self.tasks[what] = self.bar.add_task(what, total=total)
            self.bar.update(self.tasks[what], completed=done, total=total)
            return
        tenth = int(10 * done / total) if total else 10
        if self.said.get(what, -1) < tenth:
            self.said[what] = tenth
            print(f"annotate: {what} {done / 1e6:,.0f}/{total / 1e6:,.0f} MB", file=sys.stderr, flush=True)

    def build(self, elapsed: float, estimate: float) -> None:
        what = "building llama.cpp"
        if self.bar is not None:
            if what not in self.tasks:
                self.tasks[what] = self.bar.add_task(f"{what} (estimate {estimate / 60:.0f} min)", total=estimate)
            self.bar.update(self.tasks[what], completed=min(elapsed, estimate * 0.99))
            return
        minute = int(elapsed // 60)
        if self.said.get(what, -1) < minute:
            self.said[what] = minute
            print(f"annotate: {what}: {elapsed / 60:.0f} of ~{estimate / 60:.0f} min", file=sys.stderr, flush=True)

    def log(self, message: str) -> None:
        self.console.print(f"[dim]{message}[/dim]")


@llm_app.command("up")
def up_command(
    port: Annotated[int | None, typer.Option(help="Port on 127.0.0.1 (default: last one, else a free one).")] = None,
    context: Annotated[int, typer.Option(min=2048, help="Context size in tokens.")] = 8192,
    threads: Annotated[int | None, typer.Option(min=1, help="CPU threads (default: all cores).")] = None,
) -> None:
    """Install (first time: ~9 min build, ~1 GB download), start the model, print the settings to use."""
    from annotate.localmodel import server
    from annotate.processes import ServiceError

    console = Console(stderr=True)
    try:
        with _Steps(console) as steps:
            info = server.up(port=port, context=context, threads=threads, log=steps.log, progress=steps.bytes,
                             tick=steps.build)  # fmt: skip
    except ServiceError as exc:
        raise fail(str(exc)) from None
    print(f"local model: {info.model} at {info.base_url} (pid {info.pid}, context {info.context}, {info.threads} threads)")
    print("use it with:")
    print(server.shell_exports(info))
    print("(or: eval \"$(annotate llm env)\"), then e.g. annotate prelabel seeds/ --backend llm")


@llm_app.command("down")
def down_command() -> None:
    """Stop the local model started by `annotate llm up` (only that process)."""
    from annotate.localmodel import server

    print("stopped" if server.down() else "not running")


@llm_app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    verify: Annotated[bool, typer.Option("--verify", help="Re-read the model file and check its sha256.")] = False,
) -> None:
    """Model file and its sha256 check, runtime, port and PID; exit 1 when not running."""
    from annotate.localmodel import server, weights

    if verify:
        weights.check(rehash=True)
    info = server.status()
    if as_json:
        print(json.dumps(info.public()))
    else:
        state = f"running at {info.base_url} (pid {info.pid})" if info.running else "not running"
        state += ", busy answering a request" if info.busy else ""
        print(f"local model: {info.model}, {state}")
        print(f"  file:    {info.model_path}")
        print(f"  weights: {info.weights}")
        print(f"  runtime: llama-cpp-python {info.runtime or 'not installed'}; context {info.context}, "
              f"{info.threads} threads")  # fmt: skip
    if not info.running:
        raise typer.Exit(EXIT_FAILED)


@llm_app.command("env")
def env_command() -> None:
    """Print `export` lines for the running local model: eval "$(annotate llm env)"."""
    from annotate.localmodel import server

    info = server.status()
    if not info.running:
        raise fail("the local model is not running; start it with `annotate llm up`", EXIT_FAILED)
    print(server.shell_exports(info))


def register(app: typer.Typer) -> None:
    app.add_typer(llm_app, name="llm")
