"""``annotate eval`` on a real model's prediction: the AUROC of its confidence, in the table and the report.

The prediction is the local model's recorded answer for seed 000 (a cassette, replayed through the
real pipeline); the gold is the seed's hand-written expected record, stored as a gold version. The
same AUROC the quality figures report for that document must come out of ``annotate eval``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from annotate.core.grounding import ground_record
from annotate.documents import load_document
from annotate.evaluation import metrics
from annotate.extraction.llm import LLMSettings
from annotate.schema_registry import get_schema
from annotate.store.db import connect
from annotate.store.gold import add_gold_version
from annotate.store.predictions import save_result
from tests.support.cassettes import CassetteLibrary
from tests.support.llm_cases import CASSETTES, load_cases, run_case
from tests.support.openai_server import OpenAITestServer

ROOT = Path(__file__).resolve().parents[2]
RECORDED = sorted(CASSETTES.glob("*/tools/000.json"))


@pytest.mark.skipif(not RECORDED, reason="no recorded answers for seed 000 (make record)")
def test_eval_shows_the_auroc_of_a_real_model_s_confidence(tmp_path: Path) -> None:
    meta = json.loads(RECORDED[0].read_text(encoding="utf-8"))
    case = next(c for c in load_cases() if c.name == "000")
    with OpenAITestServer(cassettes=CassetteLibrary(RECORDED[0].parent)) as server:
        outcome = run_case(case, LLMSettings(**meta["settings"], base_url=server.base_url, api_key="replay"))
    prediction = outcome.extraction
    assert prediction is not None
    model = get_schema(case.schema).model
    gold = case.expected_record()
    doc = load_document(case.document)
    pairs = metrics.value_confidences(model, gold, prediction.record, [g.model_dump() for g in prediction.groundings])
    expected_auroc = metrics.auroc(pairs)
    assert expected_auroc is not None and len({c for c, _ in pairs}) > 2, "real confidences vary"

    db = tmp_path / "review.duckdb"
    con = connect(db)
    save_result(con, doc, prediction, backend="llm")
    con.execute("BEGIN TRANSACTION")
    add_gold_version(con, doc_id=doc.doc_id, schema_name=case.schema, record=gold,
                     groundings=[g.model_dump(mode="json") for g in ground_record(doc.text, model, gold)],
                     annotation_id=1, annotator="expected.json", prediction_version_key=prediction.model_version)  # fmt: skip
    con.execute("COMMIT")
    con.close()
    report = tmp_path / "quality.html"
    proc = subprocess.run([sys.executable, "-c", "from annotate.cli import main; main()", "eval", "--db", str(db),
                           "--report", str(report)], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          check=False, env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    shown = f"{expected_auroc:.3f}"
    assert re.search(rf"\b{re.escape(shown)}\b", proc.stdout), proc.stdout
    assert shown in report.read_text(encoding="utf-8")
