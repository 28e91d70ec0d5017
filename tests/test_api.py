"""The public API: what ``__all__`` promises exists, nothing public is left out, and the three calls
do on a seed what the CLI does."""

from __future__ import annotations

import types
from pathlib import Path

import annotate

SEED = Path(__file__).resolve().parents[1] / "seeds" / "000_bc3a7675d392fb2c.txt"


def test_all_is_complete_and_every_name_resolves() -> None:
    public = {n for n, v in vars(annotate).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert public == set(annotate.__all__)
    assert annotate.__all__ == sorted(annotate.__all__)
    for name in annotate.__all__:
        assert getattr(annotate, name) is not None


def test_extract_a_path_and_the_same_text_give_the_same_record() -> None:
    from_path = annotate.extract(SEED, backend="rules")
    from_text = annotate.extract(SEED.read_text(encoding="utf-8"), backend="rules")
    assert isinstance(from_path, annotate.Extraction)
    assert from_path.schema_name == "meeting_review" and from_path.record["units"]
    assert from_text.doc_id == from_path.doc_id and from_text.record == from_path.record
    assert all(g.status == annotate.AlignmentStatus.EXACT for g in from_path.groundings)


def test_prelabel_then_open_store_sees_the_prediction(tmp_path: Path) -> None:
    db = tmp_path / "review.duckdb"
    summary = annotate.prelabel([SEED], db=db, backend="rules")
    assert (summary.predicted, summary.failed) == (1, 0)
    again = annotate.prelabel([SEED], db=db, backend="rules")
    assert (again.predicted, again.cached) == (0, 1)
    con = annotate.open_store(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM predictions").fetchone() == (1,)
    finally:
        con.close()
