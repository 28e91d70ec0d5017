"""Pieces shared by several genre schemas."""

from __future__ import annotations

from pydantic import BaseModel, Field

from annotate.core.evidence import Derived


class Indicator(BaseModel):
    """A reported number such as "89.62%", "12.1万余平方米" or "50610595万元"."""

    name: str | None = Field(None, description="What is measured, quoted from the text (e.g. 热线问题解决率).")
    value: float | None = Field(None, description="The number as a plain number (89.62 for 89.62%).")
    unit: Derived | None = Field(None, description="The unit as written after the number (%, 万元, 平方米).")
    text: str = Field(description="The number with its unit exactly as written in the text.")


_INDICATOR_LABELS = [  # (field, simplified (title, hint), traditional (title, hint))
    ("", ("指标", "一个数字指标：名称与数值整段，名称、数值画在其中"), ("指標", "一個數字指標：名稱與數值整段，名稱、數值畫在其中")),
    ("name", ("指标名称", "所衡量的内容，照原文"), ("指標名稱", "所衡量的內容，照原文")),
    ("text", ("数值", "数字连同单位，照原文"), ("數值", "數字連同單位，照原文")),
    ("value", ("纯数字", "数值的纯数字写法（89.62% 写 89.62）"), ("純數字", "數值的純數字寫法（89.62% 寫 89.62）")),
    ("unit", ("计量单位", "数字后的单位原文"), ("計量單位", "數字後的單位原文")),
]  # fmt: skip


def indicator_labels(prefix: str, *, traditional: bool = False) -> dict[str, tuple[str, str]]:
    """Annotator titles of an :class:`Indicator` list at ``prefix`` (``items[].indicators[]``)."""
    return {f"{prefix}.{name}" if name else prefix: trad if traditional else simp
            for name, simp, trad in _INDICATOR_LABELS}  # fmt: skip


def _find(value: str, text: str, pos: int) -> int:
    at = text.find(value, pos)
    return at if at >= 0 else text.find(value)


def whole_clauses(values: list[str], text: str, *, ends: str = "。；;", prefix: str = "") -> list[str]:
    """A model's pieces of clauses -> the whole clauses of the text that contain them, in order.

    Small models cut clauses at commas ("扎实推进…工程", "完成…工作", "推动…完成") where the genre's
    convention keeps a clause whole up to 。 or ；. Each piece found in the text (searching on from
    the previous one) is widened to its clause — bounded by ``ends`` and line breaks, minus a
    leading ``prefix`` such as the unit's own name — and pieces of one clause become that clause.
    A piece not in the text is kept as it is (grounding will flag it).
    """
    out: list[str] = []
    last: tuple[int, int] | None = None
    pos = 0
    stops = ends + "\n"
    for value in values:
        at = _find(value, text, pos) if value else -1
        if at < 0:
            out.append(value)
            continue
        start = max(text.rfind(c, 0, at) for c in stops) + 1
        named = text.rfind(prefix, start, at) if prefix else -1
        if named >= 0:  # the clause starts after the unit's name, whatever precedes it
            start = named + len(prefix)
        after = [i for i in (text.find(c, at + len(value)) for c in stops) if i >= 0]
        end = min(after) if after else len(text)
        pos = at + len(value)
        if (start, end) == last:
            continue
        last = (start, end)
        out.append(text[start:end].strip().strip("\u3000"))
    return out


def joined_pieces(values: list[str], text: str, *, joiners: str = "，,") -> list[str]:
    """Consecutive pieces that the text joins with one comma become one value (a sentence cut at commas)."""
    out: list[str] = []
    last_end = -2
    pos = 0
    for value in values:
        at = _find(value, text, pos) if value else -1
        if at >= 0 and out and at - last_end == 1 and text[last_end] in joiners:
            out[-1] = out[-1] + text[last_end] + value
        else:
            out.append(value)
        if at >= 0:
            last_end = at + len(value)
            pos = last_end
    return out
