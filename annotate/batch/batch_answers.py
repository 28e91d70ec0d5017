"""The LLM backend answering from a provider batch: how `annotate batch collect` reuses the live path whole.

Collecting runs the ordinary pre-label run (:func:`annotate.batch.run.run_batch`) with this
backend. It differs from :class:`~annotate.extraction.llm.LLMBackend` in one method only: a request
whose exact body (same hash) was answered in the batch gets that answer instead of an HTTP call.
Everything after the answer is the live code itself — reading, validating, grounding, the re-ask
policy, merging chunks, the cache, the call log, predictions and failures — so a batch answer
cannot be judged differently from a live one. A request the batch did not answer (an error line,
an expired batch, a malformed line) or a re-ask of a faulty answer goes out live (``reask="live"``)
or is kept for a follow-up batch (``reask="batch"``: the document is recorded failed with that
reason until the follow-up is collected).

A replayed answer is logged in ``llm_calls`` like a live one, tagged ``batch_request`` with its
"batch/custom_id": a collect killed after logging it and re-run does not log it twice.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from openai.types.chat import ChatCompletion

from annotate.core.types import ExtractionFailure
from annotate.extraction.llm import LLMBackend, LLMSettings
from annotate.extraction.llm_http import Attempt, read_completion

REASK_MODES = ("live", "batch")
DEFERRED_STAGE = "batch"
"""The failure stage of a document waiting for a follow-up batch (closed when it is predicted)."""


def body_hash(body: dict[str, Any]) -> str:
    """The identity of a request body: the same question hashes the same at submit and at collect."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Deferred:
    """A request kept for the follow-up batch."""

    doc_id: str
    chunk: int
    version_key: str
    body: dict[str, Any]


class BatchAnswers(LLMBackend):
    """An LLM backend whose first source of answers is a collected batch (see the module docstring)."""

    def __init__(
        self,
        settings: LLMSettings,
        answers: dict[tuple[str, int, str, str], tuple[str, dict[str, Any]]],
        *,
        logged: set[str],
        missing: dict[tuple[str, int, str], str] | None = None,
        reask: str = "live",
    ) -> None:
        """``answers``: (doc, chunk, version key, body hash) -> ("batch/custom_id", chat completion);
        ``logged``: the "batch/custom_id" already in the call log; ``missing``: why the batch gave no
        answer for a (doc, chunk, version key), to name in a failure."""
        if reask not in REASK_MODES:
            raise ValueError(f"--reask must be one of {', '.join(REASK_MODES)} (got {reask!r})")
        super().__init__(settings)
        self.answers = answers
        self.logged = logged
        self.missing = missing or {}
        self.reask = reask
        self.replayed = 0
        self.live: Counter[str] = Counter()
        self.deferred: list[Deferred] = []

    async def _post(self, body: dict[str, Any], attempt: Attempt) -> ChatCompletion:
        where = (attempt.doc_id, attempt.chunk, attempt.version_key)
        found = self.answers.get((*where, body_hash(body)))
        if found is not None:
            return self._replay(body, attempt, *found)
        if self.reask == "batch":
            self.deferred.append(Deferred(*where, body))
            raise ExtractionFailure("waiting for a follow-up batch (annotate batch status; then batch collect)",
                                    stage=DEFERRED_STAGE)  # fmt: skip
        try:
            response = await super()._post(body, attempt)
        except ExtractionFailure as exc:
            why = self.missing.get(where)
            if why and not exc.stage == "endpoint":
                raise ExtractionFailure(f"{why}; asked live: {exc.reason}", stage=exc.stage) from None
            raise
        usage = response.usage
        self.live["calls"] += 1
        self.live["prompt_tokens"] += usage.prompt_tokens if usage else 0
        self.live["completion_tokens"] += usage.completion_tokens if usage else 0
        return response

    def _replay(self, body: dict[str, Any], attempt: Attempt, ref: str, answer: dict[str, Any]) -> ChatCompletion:
        """The batch's answer, through the same hooks a live answer goes through (logged once)."""
        response = read_completion(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
        self.replayed += 1
        if ref in self.logged:  # a killed collect logged it already
            return response
        self.logged.add(ref)
        self.hooks.emit_completion_arguments(**body)
        if attempt.call is not None:
            attempt.call.request["batch_request"] = ref
        self.hooks.emit_completion_response(response)
        return response
