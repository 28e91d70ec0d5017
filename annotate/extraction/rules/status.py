"""A task row's status from the wording of its completion text (``task_progress``).

The completion cell says, in a small vocabulary, whether the row's commitment was met: a formally
changed target ("由…调整为…"), a postponement or cancellation, a completion rate ("完成…的55%",
"进度80%"), a figure that meets the task's own target, explicit completion wording ("全部完成",
"超额完成"), a lagging report ("进度较慢", "推进缓慢", "未完成…的县区为…"), or work reported under
way ("正在", "有序推进"). The order of the checks is the order of those cues' strength.
"""

from __future__ import annotations

import re

from annotate.extraction.rules.numbers import NUMBER

_ADJUSTED = re.compile(r"由[^。；;]{0,40}?(?:调整为|調整為|调减为|調減為|变更为|變更為)|调整方案|調整方案")
_NOT_DONE = re.compile(
    r"无法完成|無法完成|无法如期|無法如期|未能按(?:计划|計劃|期|时|時)|未能完成|延期|推迟至20|推遲至20|暂缓|暫緩|"
    r"(?:项目|項目|任务|任務|活动|活動|工作)(?:终止|終止|取消)|暂停(?:实施|建设|施工)|暫停(?:實施|建設|施工)"
)
_ONGOING = re.compile(
    r"正在|仍在|已在(?:办理|辦理|推进|推進|实施|實施|建设|建設)|推进中|推進中|进行中|進行中|有序推进|有序推進|顺利推进|順利推進|序时推进|序時推進|序时进度|序時進度|达序|達序|尚未|待[^。；;]{0,12}后|待[^。；;]{0,12}後|下一步|"
    r"时间进度|時間進度|正[\u4e00-\u9fff]{0,2}推进|正[\u4e00-\u9fff]{0,2}推進|前期工作|前期手续|前期手續|"
    r"已开工|已開工|开工建设|開工建設|初步|初具规模|初具規模|基本完成|开始试运营|開始試運營|进入[^。；;]{0,4}阶段|進入[^。；;]{0,4}階段"
)
_DOING = re.compile(r"(?<![其集])[\u4e00-\u9fff]{2}中[。.]?$")
"""A report that ends on work under way: "设备购进中", "施工中", "招标中"."""
_LAGGING = re.compile(
    r"较慢|較慢|缓慢|緩慢|偏慢|迟缓|遲緩|滞后|滯後|落后于|落後於|"
    r"未(?:完成|开工|開工|建成|达标|達標|达到|達到)[^。；;，,]{0,16}(?:的|之)(?:县区|縣區|区县|區縣|地区|地區|单位|單位|街道|乡镇|鄉鎮)"
)
"""A report of laggards: the work is under way but behind, not cancelled or postponed."""
_RATE = re.compile(r"(?:完成|进度|進度)[^。；;，,%％]{0,16}?(?:的|为|為|达|達)?\s*(\d+(?:\.\d+)?)\s*[%％]")
"""A completion rate: "已完成年度目标任务的55%", "整体进度80%"."""
_SHARE_OF_PLAN = re.compile(
    r"占[^。；;，,%％]{0,10}?(?:计划|計劃|目标|目標|任务|任務)[^。；;，,%％]{0,4}?\s*(\d+(?:\.\d+)?)\s*[%％]"
)
"""A share of the plan reached: "占总计划的99.2%" (under way), "占目标任务的126.5%" (met)."""
_PENDING = re.compile(
    r"(?:预计|預計|预定|預定)[^。；;，,]{0,12}?(?:竣工|完工|建成|投入使用|投用|投产|投產|交付|开通|開通|完成|开始|開始)"
)
"""The headline deliverable is still ahead: "预计7月中旬整体竣工", "预定12月初开始安装"."""
_STRONG_DONE = re.compile(
    r"(?:达到|達到)(?:年度|预期|預期)?(?:目标|目標)|全部完成|超额完成|超額完成|圆满完成|圓滿完成|顺利完成|順利完成|完成(?:全年|年度)(?:工作)?任务|"
    r"已完成[^。；;，,]{0,20}任务|已完成[^。；;，,]{0,20}任務|均已(?:完工|完成|实现|實現)|全部(?:通过验收|通過驗收|达标|達標|办复|辦復|办结|辦結|实现|實現)"
)
_VERDICT_DONE = re.compile(r"\s*(?:已完成|已完工|已全部完成)(?:并[\u4e00-\u9fff]{1,6})?[。．.;；]")
"""A report that opens with its verdict as a sentence of its own ("已完成。 已将…提高到…")."""
_WEAK_DONE = re.compile(
    r"已完成|完成|建成|完工|通车|通車|已印发|已印發|已出台|已上线|已上線|正式发布|正式發布|实现|實現"
)
_OPEN_ENDED = re.compile(
    r"(?:加强|加強|深化|持续|持續|推进|推進|推动|推動|完善|健全|强化|強化|坚持|堅持|积极|積極|鼓励|鼓勵|加大|落实|落實|"
    r"抓好|紧抓|緊抓|围绕|圍繞|探索|引导|引導|着力|著力|统筹|統籌|不断|不斷|提升|提高|促进|促進)"
)
_PERCENT_ONLY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[%％]")
_CEILING = re.compile(r"控制在|以内|以內|以下|不超过|不超過|降低|下降")
_PERCENT_OF = re.compile(r"([\u4e00-\u9fff]{2})(?:至|达到|達到|达|達|为|為|到)?\s*(\d+(?:\.\d+)?)\s*[%％]")
"""A percentage with the two characters of the metric just before it ("违建至30%", "违建42.21%")."""


def _amounts(text: str) -> list[tuple[str, float]]:
    """(base unit, value) of each figure, with 万/亿 applied so 1.2万个 compares with 5000个; a
    percentage is keyed by its metric ("%违建") so that only the same measure is compared."""
    out = []
    for m in NUMBER.finditer(text):
        unit = m.group("unit")
        mult = 1.0
        if unit[:1] in "万萬":
            mult, unit = 1e4, unit[1:]
        elif unit[:1] in "亿億":
            mult, unit = 1e8, unit[1:]
        unit = unit.lstrip("余餘多")
        if unit not in ("%", "％"):
            out.append((unit, float(m.group("num")) * mult))
    out.extend((f"%{m.group(1)}", float(m.group(2))) for m in _PERCENT_OF.finditer(text))
    return out


def _part_of_total(progress: str) -> bool:
    """ "总投资6000万元的19个项目完成投资3000万元": the amount done is below the total the same text
    states in the same unit, so the commitment is under way."""
    amounts = [(m.start(), *a) for m in NUMBER.finditer(progress) for a in _amounts(m.group(0))[:1]]
    totals = [(u, v) for at, u, v in amounts if re.search(r"[总總共计計]", progress[max(0, at - 4) : at])]
    done = [(u, v) for at, u, v in amounts if re.search(r"完成|完工|建成", progress[max(0, at - 6) : at])]
    return any(u == tu and v < tv for u, v in done for tu, tv in totals)


def _compared(task: str, progress: str) -> list[tuple[float, float]]:
    """``(reached, target)`` for each numeric target of the task the progress reports in the same
    unit or measure; none for a ceiling ("控制在…以内"), where less is better."""
    if _CEILING.search(task):
        return []
    got: dict[str, float] = {}
    for u, v in _amounts(progress):
        got[u] = max(got.get(u, 0.0), v)
    return [(got[u], v) for u, v in _amounts(task) if u in got]


def _target_met(task: str, progress: str) -> bool:
    """Every numeric target of the task is matched or beaten by a figure of the same unit."""
    compared = _compared(task, progress)
    return bool(compared) and all(reached >= target for reached, target in compared)


def _target_short(task: str, progress: str) -> bool:
    """A target reported below its level in the same measure ("增长6%" against "同比增长2.9%")."""
    return any(reached < target for reached, target in _compared(task, progress))


def status_of(progress: str | None, task: str | None = None) -> str:
    """The status the completion text's wording states about the task's headline commitment.

    Order matters: a formally changed target ("由…调整为…") is *adjusted* even when the new target
    was then met; an explicit "无法完成/延期/项目终止" outweighs partial successes; a completion
    rate below 100% is *in_progress*; a figure that meets the task's own numeric target means
    *completed*; explicit completion wording ("全部完成", "超额完成", "已完成…任务") means
    *completed*; laggards named ("进度较慢", "未完成…的县区") or work reported under way mean
    *in_progress*; plain activity verbs ("完成", "实现") settle a concrete deliverable but not an
    open-ended task ("加强…", "深化…"), which stays *unclear*.
    """
    if not progress:
        return "unclear"
    if _ADJUSTED.search(progress):
        return "adjusted"
    if _NOT_DONE.search(progress):
        return "not_completed"
    task = task or ""
    if m := _PERCENT_ONLY.match(progress):  # a bare completion rate: below 100% is under way
        return "completed" if float(m.group(1)) >= 100 else "in_progress"
    if (m := _RATE.search(progress)) and float(m.group(1)) < 100:
        return "in_progress"
    if shares := [float(m.group(1)) for m in _SHARE_OF_PLAN.finditer(progress)]:
        return "completed" if min(shares) >= 100 else "in_progress"
    if _part_of_total(progress):
        return "in_progress"
    if task and _target_met(task, progress):
        return "completed"
    if task and _target_short(task, progress):
        return "in_progress"
    if _PENDING.search(progress):
        return "in_progress"
    if _STRONG_DONE.search(progress) or _VERDICT_DONE.match(progress):
        return "completed"
    if _LAGGING.search(progress) or _ONGOING.search(progress) or _DOING.search(progress):
        return "in_progress"
    if _WEAK_DONE.search(progress) and not _OPEN_ENDED.match(task):
        return "completed"
    return "unclear"
