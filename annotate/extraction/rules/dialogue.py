"""Q&A turns labelled by speaker rather than by 问/答 (press-conference transcripts).

A transcript line is "<label>:<what was said>", the label a short run without punctuation
("記者", "▲新华社记者", "行政長官", "王国庆"). The askers are the press or members (记者, 议员,
委员, 代表…); any other label that follows an asker's turn is the answer. Chair turns (主持人)
are procedure, not questions. A question whose answer is cut off the page is not a pair.
"""

from __future__ import annotations

import re

from annotate.extraction.rules.spans import Quote, quote, scored

_LABEL = re.compile(r"[▲△●■◆\-—*\s]*(?P<label>[^\s:：，,。；;！？!?、()（）《》“”\"]{1,16}?)\s*[:：]")
_ASKER = re.compile(r"记者|記者|议员|議員|委员|委員|代表|市民|网友|網友|提问|提問")
_CHAIR = re.compile(r"主持")

LABELLED_PAIR = 0.85
"""A question under an asker's label answered under another label: both turns marked by the page."""


def labelled_turns(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """``(label, body_start, body_end)`` of each line that opens with a speaker label."""
    out = []
    for s, e in spans:
        m = _LABEL.match(text, s, e)
        if m and m.end() < e:
            out.append((m.group("label"), m.end(), e))
    return out


def labelled_qa(text: str, spans: list[tuple[int, int]]) -> list[dict[str, Quote]]:
    """Question/answer pairs from speaker-labelled turns (empty when no asker label is found)."""
    turns = labelled_turns(text, spans)
    out = []
    for k, (label, s, e) in enumerate(turns[:-1]):
        if not _ASKER.search(label) or _CHAIR.search(label) or label.startswith("各位"):
            continue  # "各位代表:" greets an audience; it asks nothing
        nlabel, ns, ne = turns[k + 1]
        if _ASKER.search(nlabel) or _CHAIR.search(nlabel):
            continue
        q = quote(text, s, e, strip_punct=False)
        a = quote(text, ns, ne, strip_punct=False)
        if q is not None and a is not None:
            out.append({"question": scored([q], LABELLED_PAIR)[0], "answer": scored([a], LABELLED_PAIR)[0]})
    return out


def answerer_names(text: str, spans: list[tuple[int, int]]) -> list[Quote]:
    """Labels of answering turns that are bare personal names (2–4 characters, no title word)."""
    out: list[Quote] = []
    turns = labelled_turns(text, spans)
    for k, (label, s, _e) in enumerate(turns[1:], start=1):
        if not _ASKER.search(turns[k - 1][0]) or _ASKER.search(label) or label in out:
            continue
        if 2 <= len(label) <= 3 and not re.search(r"[长長官员員者人记記席任部局委]$", label):
            start = text.rfind(label, 0, s)
            out.append(scored([Quote(text, start, start + len(label))], 0.7)[0])
    return out


def asker_turns(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """The labelled turns of askers (记者, 议员…) among ``spans``: a Q&A block, not a section."""
    return [t for t in labelled_turns(text, spans) if _ASKER.search(t[0]) and not _CHAIR.search(t[0])]
