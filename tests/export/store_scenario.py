"""Replay ``tests/fixtures/export/scenario.json`` into a real DuckDB store with the real store functions.

Shared by the export, evaluation and CLI tests: documents via ``upsert_documents``, predictions
via ``save_predictions``, gold via ``add_gold_version``, rejections and quarantines via
``annotate.store.review`` — the same calls ``prelabel`` and ``pull`` make. Records are the seeds'
expected records changed by small declared edits, grounded with the real aligner.
"""

from __future__ import annotations

import copy
import json
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import opencc

from annotate.core.evidence import get_at, parse_path
from annotate.core.grounding import confidence, ground_record
from annotate.core.types import Document, Extraction, Grounding
from annotate.documents import load_document
from annotate.schema_registry import get_schema
from annotate.store.db import connect
from annotate.store.documents import upsert_documents
from annotate.store.gold import add_gold_version
from annotate.store.predictions import save_predictions
from annotate.store.review import add_quarantine, add_rejected

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "tests" / "fixtures" / "export" / "scenario.json"
SERVER = "http://127.0.0.1:8080"


@dataclass
class Scenario:
    db: Path
    doc_ids: dict[str, str] = field(default_factory=dict)  # seed stem -> doc_id
    schemas: dict[str, str] = field(default_factory=dict)  # seed stem -> schema name
    versions: dict[str, str] = field(default_factory=dict)  # short name -> version key
    data: dict[str, Any] = field(default_factory=dict)


def mutate(record: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply the scenario's edit ops to a copy of ``record`` (paths index the record as it is then)."""
    out = copy.deepcopy(record)
    for op in ops:
        kind, path = op["op"], op["path"]
        parts = parse_path(path)
        parent = out
        for part in parts[:-1]:
            parent = parent[part]
        last = parts[-1]
        if kind == "drop":
            del parent[last]
        elif kind == "set":
            parent[last] = op["value"]
        elif kind == "append":
            get_at(out, path).append(op["value"])
        elif kind == "traditional":
            parent[last] = opencc.OpenCC("s2t").convert(parent[last])
        else:
            raise ValueError(f"unknown op {kind!r}")
    return out


@cache
def _seed(stem: str) -> tuple[Document, str, str]:
    doc = load_document(ROOT / "seeds" / f"{stem}.txt")
    folder = ROOT / "tests" / "fixtures" / "seeds" / stem
    schema = json.loads((folder / "meta.json").read_text(encoding="utf-8"))["schema"]
    return doc, schema, (folder / "expected.json").read_text(encoding="utf-8")


_GROUNDED: dict[tuple[str, str], list[dict[str, Any]]] = {}


def grounded(stem: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    """Real groundings of ``record`` in the seed's text (cached: 004 has 1156 values)."""
    key = (stem, json.dumps(record, sort_keys=True, ensure_ascii=False))
    if key not in _GROUNDED:
        doc, schema, _ = _seed(stem)
        _GROUNDED[key] = [
            g.model_dump(mode="json") for g in ground_record(doc.text, get_schema(schema).model, record)
        ]
    return _GROUNDED[key]


def seed(stem: str) -> tuple[Document, str, dict[str, Any]]:
    doc, schema, expected = _seed(stem)
    return doc, schema, json.loads(expected)


def build(db: Path, scenario_path: Path = SCENARIO) -> Scenario:
    data = json.loads(scenario_path.read_text(encoding="utf-8"))
    out = Scenario(db=db, versions=dict(data["versions"]), data=data)
    con = connect(db)
    try:
        stems = sorted({p["seed"] for p in data["predictions"]} | {e["seed"] for e in data["events"]})
        for stem in stems:
            doc, schema, _ = seed(stem)
            upsert_documents(con, [(doc, schema)])
            out.doc_ids[stem] = doc.doc_id
            out.schemas[stem] = schema
        for p in data["predictions"]:
            doc, schema, expected = seed(p["seed"])
            record = mutate(expected, p["mutate"])
            groundings = grounded(p["seed"], record)
            extraction = Extraction(
                doc_id=doc.doc_id,
                schema_name=schema,
                model_version=out.versions[p["version"]],
                record=record,
                groundings=groundings,
                confidence=confidence([Grounding.model_validate(g) for g in groundings]),
            )
            save_predictions(con, [(extraction, p["backend"])])
        for e in data["events"]:
            doc, schema, expected = seed(e["seed"])
            if e["kind"] == "gold":
                record = mutate(expected, e["mutate"])
                add_gold_version(
                    con,
                    doc_id=doc.doc_id,
                    schema_name=schema,
                    record=record,
                    groundings=grounded(e["seed"], record),
                    annotation_id=e["annotation_id"],
                    annotator=e["annotator"],
                    lead_time=e["lead_time"],
                    prediction_version_key=out.versions[e["started_from"]],
                    region_stats=e["region_stats"],
                )
            elif e["kind"] == "rejected":
                add_rejected(
                    con, server_url=SERVER, annotation_id=e["annotation_id"], doc_id=doc.doc_id, schema_name=schema,
                    annotator=e["annotator"], reason=e["reason"],
                )
            elif e["kind"] == "quarantine":
                add_quarantine(
                    con, server_url=SERVER, annotation_id=e["annotation_id"], doc_id=doc.doc_id, schema_name=schema,
                    reason=e["reason"], result=None,
                )
    finally:
        con.close()
    return out


def copy_of(template: Scenario, db: Path) -> Scenario:
    """A per-test copy of a built store (building grounds 004 once per session, copying is instant)."""
    shutil.copyfile(template.db, db)
    return Scenario(db=db, doc_ids=template.doc_ids, schemas=template.schemas, versions=template.versions,
                    data=template.data)
