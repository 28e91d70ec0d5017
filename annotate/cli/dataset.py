"""``annotate export`` and ``annotate eval``: gold out for training, predictions measured against it.

Thin: the work is :mod:`annotate.export` and :mod:`annotate.evaluation`; this module parses
options, shows a progress bar and a table, and turns every expected failure into one line on
stderr with exit status 2 (bad input, busy or broken store, nothing to export).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from annotate.cli.conventions import DbOption, fail, store_session
from annotate.cli.tables import Col, print_table


def _command_line() -> str:
    return "annotate " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


# -- export --------------------------------------------------------------------------------------


def export_command(
    fmt: Annotated[str, typer.Option("--format", help="chat-jsonl | spans-jsonl | parquet | hf")],
    out: Annotated[Path, typer.Option("--out", help="Output directory (replaced if it holds a previous export).")],
    schema: Annotated[str | None, typer.Option(help="Only this schema's gold.")] = None,
    split: Annotated[str, typer.Option(help="Train/validation/test percentages, from a hash of doc_id.")] = "80/10/10",
    version: Annotated[
        str, typer.Option(help="latest | N (newest version <= N) | DOC:SCHEMA:vN[,…] | a previous manifest.json")
    ] = "latest",
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="A DuckLake store as it was: snapshot id or time (manifest.json names it)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export accepted gold for training, with manifest.json (rejected and quarantined never)."""
    from annotate.export import ExportError, parse_version, run_export
    from annotate.export.splits import SplitError, parse_split
    from annotate.store.db import LATEST, StoreError

    try:
        spec = parse_split(split)
        selection = parse_version(version, schema=schema)
    except (SplitError, ExportError) as exc:
        raise fail(str(exc)) from None
    progress = Progress(
        TextColumn(f"export {fmt}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("export", total=None)
    errors = (ExportError, SplitError, StoreError, OSError)
    with store_session(db, read_only=True, as_of=as_of or LATEST, errors=errors) as con:
        with progress:
            result = run_export(
                con,
                fmt=fmt,
                out=out,
                selection=selection,
                split=spec,
                command=_command_line(),
                on_total=lambda n: progress.update(task, total=n),
                on_rows=lambda n: progress.advance(task, n),
            )
    rows = [(name, *(str(counts.get(n, 0)) for n in spec.names)) for name, counts in sorted(result.counts.items())]
    cols = (Col("schema", fold=12, keep=9), *(Col(n, "right") for n in spec.names))
    print_table(Console(), cols, rows, title=f"export {fmt} → {out}")
    excluded = {k: v for k, v in result.excluded.items() if v}
    note = f"; left out: {', '.join(f'{k} {v}' for k, v in excluded.items())}" if excluded else ""
    print(f"{result.documents} documents written to {out} (manifest.json){note}")


# -- eval ----------------------------------------------------------------------------------------


_EVAL_COLUMNS = (  # keep: what stays longest in a narrow terminal (the label and normalised F1)
    Col("version", keep=10), Col("schema", fold=8, keep=7), Col("docs", "right", keep=8),
    Col("F1 strict", "right", keep=6), Col("F1 norm.", "right", keep=9), Col("P norm.", "right", keep=5),
    Col("R norm.", "right", keep=5), Col("span F1 exact", "right", keep=3), Col("span F1 overlap", "right", keep=4),
    Col("AUROC", "right", keep=2), Col("kept/edited/ added/deleted", "right", keep=1, name="kept/edited/added/deleted"),
)


def _print_eval_table(console: Console, evaluation: Any, labels: dict[str, str]) -> None:
    rows = []
    for v in evaluation.versions:
        effort = evaluation.effort.get(v.version_key)
        shares = (
            "/".join(f"{(effort.shares[k] or 0):.0%}" for k in ("kept", "edited", "added", "deleted")) if effort else "–"
        )
        n = v.micro_normalised
        rows.append((
            labels[v.version_key], v.schema_name, str(v.documents), _fmt(v.micro_strict.f1), _fmt(n.f1),
            _fmt(n.precision), _fmt(n.recall), _fmt(v.spans_exact.f1), _fmt(v.spans_overlap.f1), _fmt(v.auroc), shares,
        ))  # fmt: skip
    print_table(console, _EVAL_COLUMNS, rows, title="predictions vs gold", hint="--report has them")


def eval_command(
    schema: Annotated[str | None, typer.Option(help="Only this schema.")] = None,
    version: Annotated[
        list[str] | None, typer.Option("--version", help="Version key(s) to evaluate (repeatable); default all.")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Also write the self-contained HTML report here.")] = None,
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option("--compare", help="KEY_A KEY_B: the fields where two versions' predictions disagree (no gold needed)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Compare predictions with gold per version key: field/span P/R/F1, effort, agreement, AUROC."""
    if compare is not None:
        _compare_command(compare[0], compare[1], db)
        return
    from annotate.evaluation.report import short_labels, write_report
    from annotate.evaluation.run import EvaluationError, evaluate
    from annotate.store.db import StoreError, db_path

    if report is not None and report.suffix.lower() not in (".html", ".htm"):
        raise fail(f"--report {report}: give a path ending in .html")
    with store_session(db, read_only=True, errors=(EvaluationError, StoreError)) as con:
        evaluation = evaluate(con, schema=schema, version_keys=version, source=str(db_path(db)), command=_command_line())
    console = Console()
    labels = short_labels(evaluation)
    if evaluation.versions:
        _print_eval_table(console, evaluation, labels)
        for key, label in labels.items():
            console.print(f"  {label} = {key}", highlight=False, soft_wrap=True)
    else:
        console.print("no predictions have gold to compare with yet (annotate pull brings gold in)")
    for a in evaluation.agreement:
        console.print(
            f"agreement {a.schema_name}: {a.documents} documents, {a.pairs} pairs, field F1 {_fmt(a.fields.f1)},"
            f" span overlap F1 {_fmt(a.spans.f1)}"
        )
        rows = [
            (name, _fmt(c.f1), str(c.tp), str(c.fp + c.fn))
            for name, c in sorted(a.per_field.items(), key=lambda kv: (kv[1].f1 if kv[1].f1 is not None else -1, kv[0]))
            if c.tp + c.fp + c.fn
        ]
        cols = (Col("field", fold=16, keep=9), Col("annotators' agreement F1", "right", keep=8),
                Col("values both gave", "right", keep=6), Col("values only one gave", "right", keep=6))  # fmt: skip
        print_table(console, cols, rows, title=f"agreement per field, {a.schema_name} (least first)")
    if report is not None:
        try:
            write_report(evaluation, report)
        except OSError as exc:
            raise fail(f"--report {report}: {exc.strerror or exc}") from None
        console.print(f"report written to {report}")


def _compare_command(key_a: str, key_b: str, db: Path | None) -> None:
    from annotate.evaluation.compare import compare_versions
    from annotate.evaluation.run import EvaluationError
    from annotate.store.db import StoreError

    with store_session(db, read_only=True, errors=(EvaluationError, StoreError)) as con:
        cmp = compare_versions(con, key_a, key_b)
    console = Console()
    console.print(f"A = {key_a}\nB = {key_b}", highlight=False, soft_wrap=True)
    console.print(f"{cmp.documents} documents predicted by both; {cmp.differing_documents} differ")
    rows = [(f.name, _fmt(f.agreement), str(f.only_a), str(f.only_b), str(f.documents)) for f in cmp.disagreeing()]
    if rows:
        cols = (Col("field", fold=16, keep=9), Col("agreement F1", "right", keep=8), Col("only in A", "right", keep=6),
                Col("only in B", "right", keep=6), Col("documents differing", "right", keep=5))  # fmt: skip
        print_table(console, cols, rows)
    else:
        console.print("the two versions agree on every field")


def register(app: typer.Typer) -> None:
    """Add ``export`` and ``eval`` to the app."""
    app.command("export")(export_command)
    app.command("eval")(eval_command)
