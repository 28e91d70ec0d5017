"""Split assignment: stable per doc_id, close to the asked shares, and monotone when shares change."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from annotate.export.splits import SplitError, bucket, parse_split

IDS = [hashlib.sha256(str(i).encode()).hexdigest()[:16] for i in range(20000)]


def test_default_is_80_10_10_and_reads_back() -> None:
    spec = parse_split(None)
    assert spec.names == ("train", "validation", "test")
    assert spec.bounds == (8000, 9000, 10000)
    assert spec.label() == "80/10/10"
    assert parse_split("95/2.5/2.5").label() == "95/2.5/2.5"
    assert parse_split("90/10").names == ("train", "test")
    assert parse_split("100").names == ("train",)


def test_shares_are_met_on_many_ids() -> None:
    counts = Counter(parse_split("80/10/10").assign(d) for d in IDS)
    assert counts["train"] / len(IDS) == pytest.approx(0.8, abs=0.015)
    assert counts["validation"] / len(IDS) == pytest.approx(0.1, abs=0.01)
    assert counts["test"] / len(IDS) == pytest.approx(0.1, abs=0.01)


def test_assignment_is_a_pure_function_of_the_id() -> None:
    spec = parse_split("80/10/10")
    first = [spec.assign(d) for d in IDS[:500]]
    again = [parse_split("80/10/10").assign(d) for d in IDS[:500]]
    assert first == again
    assert bucket("abc") == int(hashlib.md5(b"abc").hexdigest()[:8], 16) % 10000


def test_raising_the_train_share_never_moves_a_document_out_of_train() -> None:
    small, big = parse_split("70/15/15"), parse_split("80/10/10")
    for d in IDS:
        if small.assign(d) == "train":
            assert big.assign(d) == "train"
        if big.assign(d) == "test":
            assert small.assign(d) == "test"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("80/10", "add up to 90"),
        ("80/10/5/5", "one to three"),
        ("a/b/c", "numbers"),
        ("100/0/0", "above 0"),
        ("-10/60/50", "above 0"),
    ],
)
def test_bad_splits_get_one_line(value: str, message: str) -> None:
    with pytest.raises(SplitError, match=message) as info:
        parse_split(value)
    assert "\n" not in str(info.value) and value in str(info.value)
