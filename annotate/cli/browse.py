"""``annotate docs`` and ``annotate show``: find a document, then look at it.

Thin: rows come from :mod:`annotate.store`; what lives here is how a person names a document
(a path as given to ``prelabel``, the file itself, a doc id or its first characters) and the
tables, which fit the terminal (:mod:`annotate.cli.tables`).
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.text import Text

from annotate.cli.conventions import EXIT_FAILED, DbOption, fail, store_session
from annotate.cli.tables import Col, print_table

# -- naming a document ---------------------------------------------------------------------------


def _spellings(target: str) -> list[str]:
    """The ways ``prelabel`` may have stored the path of this file: as typed, absolute, relative."""
    path = Path(target)
    absolute = os.path.abspath(target)
    out = [target, str(path), absolute, str(path.resolve())]
    try:
        out.append(os.path.relpath(absolute))
    except ValueError:  # another drive (Windows)
        pass
    return list(dict.fromkeys(out))


def _looks_like_path(target: str) -> bool:
    from annotate.documents import SUPPORTED_SUFFIXES

    return os.sep in target or "/" in target or Path(target).suffix.lower() in SUPPORTED_SUFFIXES


def resolve_target(con: Any, target: str) -> tuple[str, str | None]:
    """The doc id ``target`` names, and a note to print (or None); one clear line and exit otherwise.

    In order: a whole doc id; the file at that path (its text is what identifies it); a path the
    store saw; the start of a doc id.
    """
    from annotate.documents import DocumentError, load_document
    from annotate.store.documents import doc_ids_by_source, get_document, resolve_doc_id
    from annotate.store.failures import open_failures

    if get_document(con, target) is not None:
        return target, None
    spellings = _spellings(target)
    loaded: str | None = None
    load_error: DocumentError | None = None
    if Path(target).is_file():
        try:
            loaded = load_document(target).doc_id
        except DocumentError as exc:
            load_error = exc
        if loaded is not None and get_document(con, loaded) is not None:
            return loaded, None
    stored = doc_ids_by_source(con, spellings)
    if stored:
        note = f"{target} has changed since it was pre-labeled; showing the text stored then" if loaded else None
        return stored[0][0], note
    if Path(target).exists() or _looks_like_path(target):
        failed = [f for f in open_failures(con) if f.source in spellings]
        if failed:
            reason = failed[0].reason.removeprefix(f"{failed[0].source}: ")
            raise fail(f"{target}: never became a document; {failed[0].stage} failed: {reason}", EXIT_FAILED)
        if load_error is not None:
            raise fail(str(load_error), EXIT_FAILED)
        if loaded is not None:
            raise fail(f"{target}: not in the store (its doc id would be {loaded}); "
                       f"`annotate prelabel {target}` adds it", EXIT_FAILED)  # fmt: skip
        raise fail(f"{target}: no such file, and the store has no document read from that path", EXIT_FAILED)
    matches = resolve_doc_id(con, target, limit=1000)
    if not matches:
        raise fail(f"no document {target!r} in the store (give a path, a doc id or its first characters)", EXIT_FAILED)
    if len(matches) > 1:
        shown = []
        for doc_id in matches[:4]:
            doc = get_document(con, doc_id)
            shown.append(f"{doc_id} ({doc.source})" if doc and doc.source else doc_id)
        more = f" and {len(matches) - 4} more" if len(matches) > 4 else ""
        raise fail(f"{target!r} matches {len(matches)} documents: {', '.join(shown)}{more}; give more characters")
    return matches[0], None


# -- docs ----------------------------------------------------------------------------------------


def _matches(pattern: str, doc_id: str | None, path: str) -> bool:
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(Path(path).name, pattern)
    return pattern in path or bool(doc_id and doc_id.startswith(pattern))


def docs_command(
    pattern: Annotated[
        str | None,
        typer.Argument(
            help="Only paths matching this glob ('*.html', 'seeds/00*') or containing this text, "
            "or doc ids starting with it."
        ),
    ] = None,
    schema: Annotated[str | None, typer.Option("--schema", help="Only documents routed to this schema.")] = None,
    stage: Annotated[
        str | None,
        typer.Option(
            "--stage",
            help="Only documents at this stage: loaded, failed, predicted, pushed, quarantined, rejected, gold.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array.")] = False,
    db: DbOption = None,
) -> None:
    """List documents: doc id, path, schema and how far each got (failed ones say at which stage)."""
    from annotate.store.inventory import STAGES, document_rows

    if stage is not None and stage not in STAGES:
        raise fail(f"--stage {stage!r}: choose one of {', '.join(STAGES)}")
    with store_session(db, read_only=True, errors=(Exception,), name_errors=True) as con:
        rows = document_rows(con, schema_name=schema, stage=stage)
        schemas = [s for (s,) in con.execute("SELECT DISTINCT schema_name FROM documents ORDER BY 1").fetchall() if s]
    if schema is not None and schema not in schemas:
        known = ", ".join(schemas) if schemas else "none yet"
        raise fail(f"--schema {schema!r}: no document is routed to it (the store has: {known})")
    if pattern:
        rows = [r for r in rows if _matches(pattern, r.doc_id, r.path)]
    if as_json:
        print(json.dumps([r.public_dict() for r in rows], ensure_ascii=False))
        return
    out = Console()
    if not rows:
        out.print("no documents match" if (pattern or schema or stage) else
                  "no documents in the store yet (`annotate prelabel PATH` adds them)", highlight=False)  # fmt: skip
        return
    table_rows = [
        (
            r.doc_id or "—",
            r.path,
            r.schema_name or "—",
            Text(f"failed ({', '.join(r.failed_stages)})", style="red") if r.stage == "failed" else r.stage,
        )
        for r in rows
    ]
    cols = (Col("doc_id", keep=9), Col("path", fold=12, keep=10), Col("schema", fold=8, keep=6), Col("stage", keep=8))
    print_table(
        out,
        cols,
        table_rows,
        header_style="bold",
        hint="--json has them",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )  # a listing: light rules leave the paths room
    files = sum(1 for r in rows if r.doc_id is None)
    note = f"; {files} file(s) never became a document (`annotate failures` says why)" if files else ""
    out.print(f"{len(rows) - files} document(s){note}", highlight=False)


# -- show ----------------------------------------------------------------------------------------


def _show_data(con: Any, target: str) -> tuple[dict[str, Any], str | None]:
    from annotate.store.documents import get_document
    from annotate.store.failures import failures_for
    from annotate.store.gold import latest_gold
    from annotate.store.predictions import latest_prediction

    doc_id, note = resolve_target(con, target)
    stored = get_document(con, doc_id)
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
    }, note


def _print_groundings(out: Console, title: str, groundings: list[dict[str, Any]]) -> None:
    rows = []
    for g in groundings:
        span = f"{g.get('start')}–{g.get('end')}" if g.get("start") is not None else "—"
        conf = f"{g['confidence']:.2f}" if g.get("confidence") is not None else "—"
        rows.append((g.get("path", ""), g.get("status", ""), span, conf, g.get("quote") or g.get("value") or ""))
    cols = (
        Col("path", fold=10, keep=9), Col("status", keep=5), Col("span", keep=4), Col("conf.", keep=6),
        Col("quote / value", fold=16, keep=8),
    )  # fmt: skip
    print_table(out, cols, rows, title=title, header_style="bold", hint="--json has them")


def show_command(
    target: Annotated[
        str, typer.Argument(metavar="DOCUMENT", help="A file's path, a doc id, or the first characters of one.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    db: DbOption = None,
) -> None:
    """The latest prediction (and latest gold) of one document, with its groundings."""
    with store_session(db, read_only=True, errors=(Exception,), name_errors=True) as con:
        data, note = _show_data(con, target)
    if note:
        print(f"annotate: note: {note}", file=sys.stderr)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, default=str))
        return
    out = Console()
    out.print(Text.assemble((data["doc_id"], "bold"), f"  {data['source']}  schema={data['schema']}  "
                            f"{data['chars']} chars"))  # fmt: skip
    for f in data["failures"]:
        out.print(Text.assemble(("open failure", "red"), f" ({f['stage']}): {f['reason']}"))
    for label in ("prediction", "gold"):
        item = data[label]
        if not item:
            out.print(f"no {label}")
            continue
        if label == "prediction":
            out.print(
                f"[bold]prediction[/] {item['model_version']}  backend={item['backend']}  "
                f"confidence={item['confidence']}",
                highlight=False,
            )
            for note_line in item.get("notes") or []:
                out.print(Text(f"  note: {note_line}"))
        else:
            out.print(
                f"[bold]gold[/] version {item.get('version')}  annotator={item.get('annotator')}  "
                f"from {item.get('prediction_version_key')}",
                highlight=False,
            )
        out.print_json(json.dumps(item.get("record", {}), ensure_ascii=False))
        groundings = item.get("groundings") or []
        if groundings:
            _print_groundings(out, f"{label} groundings", groundings)


def register(app: typer.Typer) -> None:
    """Add ``docs`` and ``show`` to the app."""
    app.command("docs")(docs_command)
    app.command("show")(show_command)
