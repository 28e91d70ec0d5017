"""Any change to what shapes a prediction changes the version key; nothing else does."""

from __future__ import annotations

from annotate.core.versioning import version_key

BASE = dict(schema="s", schema_hash="h1", producer="p.v1", producer_hash="abc", model="m", settings={"t": 0})


def test_each_component_changes_the_key() -> None:
    key = version_key(**BASE)
    assert key == version_key(**BASE)
    for change in (
        {"schema_hash": "h2"},
        {"producer_hash": "abd"},
        {"model": "m2"},
        {"settings": {"t": 1}},
    ):
        assert version_key(**{**BASE, **change}) != key
