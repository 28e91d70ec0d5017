"""The LLM extraction backend: openai + instructor against any OpenAI-compatible endpoint.

instructor does what is mode-specific: its mode handler prepares the request for tools / json /
json_schema / md_json once per schema (the document goes into a placeholder). Everything after
the answer arrives is ours, because a small real model needs a policy instructor does not have
(instructor #2056: its re-asks carry the whole history, 506x the context at 10 retries):

* An answer is read by ``answers.read_answer``: blanks dropped, the genre's clean-up applied,
  a truncated answer salvaged, invalid list items pruned with a note, every value grounded.
* A re-ask happens only when it can help: the answer has faults, was not cut off at
  ``max_tokens``, and the previous answer did not have the very same faults (a model that repeats
  itself will repeat itself again). It repeats the first request plus a note naming just the
  faulty paths — no history — so it fits the context wherever the first request did.
* The answer the text backs most is kept (``Answer.support``: verbatim values less faults); its
  unaligned values stay, flagged. A document
  fails (with the reason) only when no answer gave a usable record.

Every value's ``confidence`` combines how well it aligned with how sure the model was of it: the
lowest probability among its own tokens (``core.token_confidence``) when the endpoint returns
logprobs (``confidence="logprobs"``, the default; llama.cpp and OpenAI's content do), or whether a
second, differently worded extraction agrees (``confidence="agreement"``, ``core.agreement``).

Passages of the document that address the model ("忽略以上指令…", "ignore previous instructions")
are masked in what is sent (``core.injection``): the 1.5B model obeyed them whatever the prompt said.

The model returns verbatim strings; offsets are computed here with ``ground_record`` on the text of
the chunk, then shifted to the whole document.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from annotate.core.agreement import agreement
from annotate.core.chunking import Chunk, split_text
from annotate.core.grounding import confidence, document_confidence, ground_record
from annotate.core.injection import find_injections, mask
from annotate.core.merge import merge_records
from annotate.core.token_confidence import value_confidences
from annotate.core.types import Document, Extraction, ExtractionFailure, Grounding
from annotate.core.versioning import version_key
from annotate.extraction.answers import Answer, read_answer
from annotate.extraction.base import ExtractContext, ExtractStats
from annotate.extraction.instructor_adapter import abandon_client, request_preparer
from annotate.extraction.llm_http import (
    Attempt,
    EndpointUnavailable,
    attempt_scope,
    finish,
    make_hooks,
    note,
    send,
)
from annotate.extraction.llm_requests import PreparedRequest, prepare_request
from annotate.extraction.llm_settings import (
    DEFAULT_MODEL,
    MAX_FAULTS_NAMED,
    MODES,
    LLMSettings,
    chunk_budget,
)
from annotate.extraction.prompts import Prompt, get_prompt
from annotate.schema_registry import SchemaSpec

__all__ = ["DEFAULT_MODEL", "MODES", "EndpointUnavailable", "LLMBackend", "LLMSettings"]

class AnswerRejected(Exception):
    """An answer with faults (emitted as instructor's ``parse:error``; the message is the summary)."""


class LLMBackend:
    """Extract records with an LLM. One client per backend (and event loop), prepared requests per schema."""

    name = "llm"

    def __init__(
        self,
        settings: LLMSettings | None = None,
        *,
        prompts: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **overrides: Any,
    ) -> None:
        """``transport`` replaces the network (an ``httpx.MockTransport`` in unit tests)."""
        self.settings = replace(settings, **overrides) if settings else LLMSettings.from_env(**overrides)
        self.transport = transport
        self.mode = MODES[self.settings.mode]
        self.prompts_folder = prompts
        self.hooks = make_hooks()
        self._prepare = request_preparer(self.mode)
        self._prepared: dict[tuple[str, str], PreparedRequest] = {}
        self._systems: dict[tuple[str, str], str] = {}  # (schema, prompt hash) -> rendered system prompt
        self._vkeys: dict[str, tuple[type[BaseModel], str]] = {}
        self._client: openai.AsyncOpenAI | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sem: asyncio.Semaphore | None = None

    # -------------------------------------------------------------- identity

    def prompt(self, schema: SchemaSpec | str) -> Prompt:
        return get_prompt(schema if isinstance(schema, str) else schema.name, self.prompts_folder)

    def version_key(self, schema: SchemaSpec) -> str:
        """Computed once per schema: the schema hash means generating its JSON schema (~ms)."""
        cached = self._vkeys.get(schema.name)
        if cached is not None and cached[0] is schema.model:
            return cached[1]
        prompt = self.prompt(schema)
        key = version_key(
            schema=schema.name,
            schema_hash=schema.hash,
            producer=prompt.id,
            producer_hash=prompt.hash,
            model=self.settings.model,
            settings=self.settings.generation(),
        )
        self._vkeys[schema.name] = (schema.model, key)
        return key

    async def route_genre(
        self, doc: Document, schemas: dict[str, SchemaSpec], ctx: ExtractContext, stats: ExtractStats
    ) -> str:
        """Asked by the router when the keywords are unsure: the model picks the genre."""
        from annotate.extraction.router import ask_llm

        return await ask_llm(doc, self, schemas, ctx, stats)

    def describe(self) -> str:
        """One line for humans (no secrets)."""
        where = self.settings.base_url or "https://api.openai.com/v1"
        return f"LLM backend: model {self.settings.model} at {where}, mode {self.settings.mode}"

    def settings_dict(self) -> dict[str, Any]:
        """Settings without the key, for logs and reports."""
        out = asdict(self.settings)
        out.pop("api_key", None)
        return out

    # -------------------------------------------------------------- plumbing

    def client(self) -> openai.AsyncOpenAI:
        """The one AsyncOpenAI client of this backend in the running event loop (SDK retries off: ours log)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            if self._client is not None:
                abandon_client(self._client)
            s = self.settings
            self._client = openai.AsyncOpenAI(
                base_url=s.base_url,
                api_key=s.api_key or "no-key",
                max_retries=0,
                timeout=openai.Timeout(s.timeout, connect=min(5.0, s.timeout)),
                http_client=None if self.transport is None else httpx.AsyncClient(transport=self.transport),
            )
            self._loop = loop
            self._sem = asyncio.Semaphore(s.concurrency) if s.concurrency > 0 else None
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def __del__(self) -> None:
        client = getattr(self, "_client", None)
        loop = getattr(self, "_loop", None)
        if client is not None and (loop is None or loop.is_closed()):
            abandon_client(client)

    def prepared(self, key: str, model: type[BaseModel], system: str) -> PreparedRequest:
        """The request for a response model, prepared by instructor's handler for the mode, once."""
        cached = self._prepared.get((key, system))
        if cached is None:
            cached = self._prepared[(key, system)] = prepare_request(self._prepare, self.settings, model, system)
        return cached

    def _schema_request(self, schema: SchemaSpec) -> tuple[Prompt, PreparedRequest]:
        prompt = self.prompt(schema)
        key = (schema.name, prompt.hash)
        system = self._systems.get(key)
        if system is None:  # rendered once per schema and prompt: a template render per call showed in profiles
            system = self._systems[key] = prompt.system(schema=schema)
        return prompt, self.prepared(schema.name, schema.model, system)

    def chunks(self, text: str, schema: SchemaSpec | None = None) -> list[Chunk]:
        """The chunks of ``text`` for ``schema``: sized from the context when it is known."""
        fixed = self._schema_request(schema)[1].fixed_tokens if schema is not None else 0
        return split_text(text, chunk_budget(self.settings, fixed), overlap=self.settings.overlap_chars)

    def as_sent(self, text: str) -> tuple[str, list[str]]:
        """The text the model sees (passages addressing it masked) and a note per masked passage."""
        spans = find_injections(text) if self.settings.mask_injections else []
        notes = [f"masked {s.end - s.start} characters that address the model, not the reader, before sending: "
                 f"{text[s.start : s.start + 30]!r}…" for s in spans]  # fmt: skip
        return mask(text, spans), notes

    def question(self, schema: SchemaSpec, chunk: Chunk) -> tuple[Prompt, PreparedRequest, str, list[str]]:
        """What is asked about one chunk: the prompt, its prepared request, the user message, the masking notes.

        The one builder of a chunk's first request (``prepared.request(user, settings)``): the live
        call and a Batch API submit (:mod:`annotate.batch.provider_batch`) both go through it, so
        they send the very same body under the same version key.
        """
        prompt, prepared = self._schema_request(schema)
        sent, masked = self.as_sent(chunk.text)
        return prompt, prepared, prompt.user(sent), masked

    def first_request(self, schema: SchemaSpec, chunk: Chunk) -> dict[str, Any]:
        """The body ``ask`` sends first for ``chunk`` (see :meth:`question`)."""
        _, prepared, user, _ = self.question(schema, chunk)
        return prepared.request(user, self.settings)

    # -------------------------------------------------------------- one question, re-asked while it helps

    async def _post(self, body: dict[str, Any], attempt: Attempt) -> ChatCompletion:
        return await send(
            self.client(), body, hooks=self.hooks, attempt=attempt, slots=(attempt.ctx.call_slots, self._sem),
            http_retries=self.settings.http_retries, backoff=self.settings.backoff, timeout=self.settings.timeout,
            where=self.settings.base_url or "https://api.openai.com/v1",
        )  # fmt: skip

    async def ask(
        self,
        prepared: PreparedRequest,
        prompt: Prompt,
        user: str,
        model: type[BaseModel],
        attempt: Attempt,
        *,
        text: str | None,
        require_values: bool = True,
        clean: Any = None,
    ) -> Answer:
        """Ask, read, and re-ask while it can help; returns the best answer (``Answer.support``).

        ``text`` is what values are grounded in (None: no grounding, e.g. the router's choice).
        Raises ``ExtractionFailure`` when no answer gave a usable record.
        """
        body = prepared.request(user, self.settings)
        answers: list[Answer] = []
        with attempt_scope(attempt):
            while True:
                response = await self._post(body, attempt)
                answer = read_answer(response, model, text, require_values=require_values, clean=clean)
                if answer.faults:
                    rejected = AnswerRejected(answer.summary())
                    note(rejected, str(rejected))
                    self.hooks.emit_parse_error(rejected)  # closes and logs the attempt with its reason
                else:
                    finish(attempt)
                answers.append(answer)
                repeated = len(answers) > 1 and answer.signature == answers[-2].signature
                if not answer.reaskable or repeated or len(answers) > self.settings.max_retries:
                    break
                attempt.stats.reasks += 1
                body = prepared.request(user, self.settings, note=prompt.reask(answer.faults[:MAX_FAULTS_NAMED]))
        usable = [a for a in answers if a.usable]
        if not usable:
            raise ExtractionFailure(f"{answers[-1].summary()} (after {len(answers)} answer(s))", stage="llm")
        best = max(usable, key=lambda a: (a.support, -answers.index(a)))
        if len(answers) > 1:
            best.notes.append(f"{len(answers)} answers; kept the one with {len(best.faults)} fault(s)"
                              + ("; the last re-ask repeated the same faults" if repeated else ""))  # fmt: skip
        return best

    # -------------------------------------------------------------- extraction

    async def _chunk(
        self, doc: Document, schema: SchemaSpec, chunk: Chunk, single: bool, vkey: str, ctx: ExtractContext,
        stats: ExtractStats,
    ) -> tuple[dict[str, Any], list[Grounding], list[str]]:  # fmt: skip
        model = schema.model
        if not ctx.force:
            hit = ctx.cache.get(doc.doc_id, chunk.index, vkey)
            if hit is not None and isinstance(hit.get("record"), dict):
                stats.cache_hits += 1
                groundings = ground_record(chunk.text, model, hit["record"])
                return hit["record"], _with_confidence(groundings, hit.get("confidence") or {}), hit.get("notes", [])
        prompt, prepared, user, masked = self.question(schema, chunk)
        attempt = Attempt(ctx, stats, doc.doc_id, chunk.index, vkey, self.settings.mode)
        answer = await self.ask(prepared, prompt, user, model, attempt, text=chunk.text,
                                require_values=single, clean=schema.clean)  # fmt: skip
        answer.notes[:0] = masked
        record = answer.record or {}
        if answer.groundings and not any(g.aligned for g in answer.groundings):
            raise ExtractionFailure(f"ungrounded: none of the {len(answer.groundings)} value(s) is in the text",
                                    stage="llm")  # fmt: skip
        probabilities: dict[str, float] = {}
        if self.settings.confidence == "agreement":
            probabilities = await self._agreement(doc, schema, chunk, vkey, ctx, stats, answer)
        elif answer.tokens:
            probabilities = value_confidences(answer.text, answer.tokens, [(g.path, g.value) for g in answer.groundings])
        probabilities.update(dict.fromkeys(answer.copied, 0.0))  # another item's evidence: not this one's
        ctx.cache.put(doc.doc_id, chunk.index, vkey, {"record": record, "confidence": probabilities,
                                                      "notes": answer.notes})  # fmt: skip
        return record, _with_confidence(answer.groundings, probabilities), answer.notes

    async def _agreement(
        self, doc: Document, schema: SchemaSpec, chunk: Chunk, vkey: str, ctx: ExtractContext, stats: ExtractStats,
        answer: Answer,
    ) -> dict[str, float]:  # fmt: skip
        """Ask again with the prompt's other wording; each value scores by whether that answer has it too."""
        prompt = self.prompt(schema)
        prepared = self.prepared(f"{schema.name}:variant", schema.model, prompt.variant(schema=schema))
        attempt = Attempt(ctx, stats, doc.doc_id, chunk.index, vkey, self.settings.mode)
        try:
            second = await self.ask(prepared, prompt, prompt.user(self.as_sent(chunk.text)[0]), schema.model, attempt,
                                    text=chunk.text, require_values=False, clean=schema.clean)  # fmt: skip
        except ExtractionFailure as exc:
            if isinstance(exc, EndpointUnavailable):
                raise
            answer.notes.append(f"the agreement call gave no record ({exc.reason}); every value scores 0")
            return {g.path: 0.0 for g in answer.groundings}
        return agreement([(g.path, g.value) for g in answer.groundings], [(g.path, g.value) for g in second.groundings])

    async def extract(self, doc: Document, schema: SchemaSpec, ctx: ExtractContext, stats: ExtractStats) -> Extraction:
        if not doc.text.strip():
            raise ExtractionFailure(f"{doc.source or doc.doc_id}: empty document", stage="extract")
        vkey = self.version_key(schema)
        chunks = self.chunks(doc.text, schema)
        single = len(chunks) == 1
        results = await asyncio.gather(
            *(self._chunk(doc, schema, c, single, vkey, ctx, stats) for c in chunks), return_exceptions=True
        )
        for r in results:
            if isinstance(r, EndpointUnavailable):
                raise r
        for c, r in zip(chunks, results, strict=True):
            if isinstance(r, ExtractionFailure):
                where = "" if single else f"chunk {c.index + 1}/{len(chunks)}: "
                raise ExtractionFailure(f"{where}{r.reason}", stage=r.stage)
            if isinstance(r, BaseException):
                raise r
        parts: list[tuple[dict[str, Any], list[Grounding], list[str]]] = results  # type: ignore[assignment]
        notes = [n if single else f"chunk {c.index + 1}: {n}" for c, part in zip(chunks, parts, strict=True)
                 for n in part[2]]  # fmt: skip
        if single:
            record, groundings = parts[0][0], parts[0][1]
        else:
            merged, groundings = merge_records(schema.model, [(p[0], p[1], c.start) for c, p in zip(chunks, parts, strict=True)])
            record = schema.model.model_validate(merged).model_dump(mode="json")
        if not groundings:  # one grounding per evidence value: none means nothing was extracted
            raise ExtractionFailure("empty: the model returned no values", stage="llm")
        return Extraction(
            doc_id=doc.doc_id,
            schema_name=schema.name,
            model_version=vkey,
            record=record,
            groundings=groundings,
            confidence=document_confidence(groundings),
            notes=notes,
        )


def _with_confidence(groundings: list[Grounding], probabilities: dict[str, float]) -> list[Grounding]:
    """Each value's confidence: its alignment quality times the model's probability for it (when known)."""
    out = []
    for g in groundings:
        aligned = confidence([g]) or 0.0
        p = probabilities.get(g.path)
        out.append(g.model_copy(update={"confidence": round(aligned * (p if p is not None else 1.0), 4)}))
    return out
