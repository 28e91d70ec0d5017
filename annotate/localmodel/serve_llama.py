"""Run llama-cpp-python's OpenAI-compatible server with cheap per-token logprobs.

This file is executed by the local model's own Python (``.llm-venv``), never imported by
``annotate``. It starts ``python -m llama_cpp.server`` unchanged except for one thing: when a chat
request asks for ``logprobs``, llama-cpp-python 0.3.36 sorts the whole 151,936-entry vocabulary in
Python for every generated token (~0.15 s per token on 2 cores, more than generating it). Here
the log-probability of each sampled token is read off the raw logits row as it is sampled
(one vectorised log-sum-exp), and returned in OpenAI's shape with each token's ``bytes``, so that
a client can map tokens back to characters of the answer even where one CJK character is split
over two byte-level tokens. ``top_logprobs`` is not computed (the pipeline does not use it).

Run it with ``--logits_all false``: the logprobs are read from the logits of the sampled
position only.

Usage: ``python serve_llama.py --model M --host 127.0.0.1 --port P [any llama_cpp.server option]``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from llama_cpp import Llama

_ORIGINAL_SAMPLE = Llama.sample
_ORIGINAL_CHAT = Llama.create_chat_completion
_recording = threading.local()


def _sample(self: Llama, *args: Any, idx: int | None = None, **kwargs: Any) -> int:
    sink = getattr(_recording, "sink", None)
    row = None
    if sink is not None:
        # The raw logits the sampler is about to read (before grammar and penalties), copied
        # first; they exist without ``logits_all``, which would make llama.cpp compute and copy
        # logits for every prompt token too.
        ridx = idx - self.n_tokens if idx is not None else -1
        row = np.ctypeslib.as_array(self._ctx.get_logits_ith(ridx), shape=(self._n_vocab,)).copy()
    token = _ORIGINAL_SAMPLE(self, *args, idx=idx, **kwargs)
    if sink is not None and row is not None:
        top = float(row.max())
        logsumexp = top + float(np.log(np.exp(row - top).sum()))
        sink.append((int(token), float(row[token]) - logsumexp))
    return token


def _chat(self: Llama, *args: Any, **kwargs: Any) -> Any:
    wanted = kwargs.pop("logprobs", None)
    kwargs.pop("top_logprobs", None)
    if not wanted or kwargs.get("stream"):
        return _ORIGINAL_CHAT(self, *args, **kwargs)
    _recording.sink = []
    try:
        result = _ORIGINAL_CHAT(self, *args, **kwargs)
        sampled = _recording.sink
    finally:
        _recording.sink = None
    n = int(result.get("usage", {}).get("completion_tokens") or len(sampled))
    content = []
    for token, logprob in sampled[:n]:
        raw = self.detokenize([token])
        content.append(
            {"token": raw.decode("utf-8", errors="replace"), "bytes": list(raw), "logprob": logprob, "top_logprobs": []}
        )
    result["choices"][0]["logprobs"] = {"content": content, "refusal": None}
    return result


Llama.sample = _sample  # type: ignore[method-assign]
Llama.create_chat_completion = _chat  # type: ignore[method-assign]

if __name__ == "__main__":
    from llama_cpp.server.__main__ import main

    main()
