"""Version keys: one string that changes whenever anything that shapes a prediction changes.

The key is the cache key, the Label Studio ``model_version`` and the unit of evaluation, so it
must cover the prompt text, the schema, the model and the generation settings — and nothing else
(a secret or a URL in it would leak and would split the cache for no reason).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(value: Any, length: int = 8) -> str:
    """Stable short hash of text or JSON-able data."""
    if not isinstance(value, (str, bytes)):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, str):
        value = value.encode("utf-8")
    return hashlib.sha256(value).hexdigest()[:length]


def version_key(
    *,
    schema: str,
    schema_hash: str,
    producer: str,
    producer_hash: str,
    model: str,
    settings: dict[str, Any] | None = None,
) -> str:
    """``schema/producer@hash/model/s<schema>/g<settings>``, e.g.
    ``meeting_review/meeting_review.v1@3f2a9c1d/gpt-4o-mini/s6bdffba0/g1a2b3c4d``.

    ``producer`` is the prompt id for the LLM backend or the pre-labeler's name for the rules
    backend; ``producer_hash`` the prompt's or the code's content hash.
    """
    g = content_hash(settings or {})
    return f"{schema}/{producer}@{producer_hash[:8]}/{model}/s{schema_hash[:8]}/g{g}"
