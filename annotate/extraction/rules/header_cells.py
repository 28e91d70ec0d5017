"""What a table's header says each column holds, and the cells of a row by that role (``task_progress``).

Shared by the readers of header-led tables (pipe rows, one cell per line, one row per line): a
header cell is read by its words (序号, 牵头单位, 进展情况, 备注…), so the columns' order does not
matter; of two progress columns the later one is the progress and a short one after a report is the
row's verdict.
"""

from __future__ import annotations

import re

from annotate.extraction.rules.row_cells import DUTY_FIELD, INSTITUTION_END

H_SEQ = re.compile(r"^(?:序号|序號|编号|編號)$")
_H_LEAD = re.compile(r"牵头|牽頭|主责|主責")
_H_LEADER = re.compile(r"领导|領導")
_H_TYPE_MARKED = re.compile(r"(?:加黑|加粗|黑体|黑體|粗体|粗體|标粗|標粗|下划线|下劃線)[^)）]{0,4}?(?:牵头|牽頭)")
"""A unit column whose lead is marked by type ("责任单位 (加黑为牵头单位)"): the mark does not survive
as text, so the column says nothing of which unit leads."""
_H_PROGRESS = re.compile(r"进度|進度|进展|進展|完成情况|完成情況|落实情况|落實情況|办理情|辦理情|推进情况|推進情況")
_H_CATEGORY = re.compile(r"备注|備註|类别|類別|类型|類型|目标类型|年度重点工作|重点工作$|^大类$|^大類$")
_H_TASK = re.compile(r"任务|任務|项目|項目|内容|內容|事项|事項|工作")
BARE_NUMBER = re.compile(r"(?P<seq>\d{1,3})[*＊]?[.．、]?")
"""A row number alone in its cell ("12", "3、"; "9*" where a mark flags the row)."""
_H_TARGET = re.compile(r"^[^及和与與]*(?:目标|目標)[^及和与與]*$|安排$")
"""A column of what was planned (攻坚目标任务, 工作任务安排), unless it also names the tasks (细化任务及目标)."""
H_UNITS = re.compile(r"单位|單位|部门|部門")
PART_HEADING = re.compile(r"(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）])\s*")
"""A part heading between a table's rows ("一、做大做强主导产业"): the category of the rows under it."""
_HEADING_FIELD = re.compile(r"\s*[(（][^()（）]{0,6}[:：][^()（）]*[)）]\s*$")


def part_heading(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The category a part heading line names, without its marker or a closing bracketed field
    ("…工作目标(牵头领导:成坤、柯相国)"), or None for a line that is no part heading."""
    h = PART_HEADING.match(text, s, e)
    if h is None:
        return None
    field = _HEADING_FIELD.search(text, h.end(), e)
    return h.end(), field.start() if field else e


HEADER_ROW, MERGED_ROW = 0.9, 0.75
"""A row read under a header that names its columns, and a continuation row whose merged cells are
repeated from the row above."""


def role(header: str) -> str | None:
    header = re.sub(r"\s+", "", header)  # a letter-spaced header cell ("目  标  任  务")
    if header.startswith("是否"):  # a yes/no column ("是否达到进度要求"): meeting a month's schedule is no status
        return None
    if H_SEQ.match(header):
        return "seq"
    if _H_LEADER.search(header):  # 牵头领导 is a person, not a lead unit
        return "leader"
    if _H_LEAD.search(header) and not _H_TYPE_MARKED.search(header):
        return "lead"
    if DUTY_FIELD.match(header):  # 责任单位: lead units only where a cell marks one "(牵头)"
        return "duty"
    if _H_PROGRESS.search(header):
        return "progress"
    if _H_CATEGORY.search(header):
        return "category"
    if _H_TARGET.search(header):  # 攻坚目标任务, 工作任务安排: what was planned, not the task's name
        return None
    if _H_TASK.search(header):
        return "task"
    return None


def planned_task(names: list[str], roles: list[str | None]) -> list[str | None]:
    """With no task column, the column of planned tasks ("目标任务") is the task."""
    if "task" in roles or len(names) != len(roles):
        return roles
    at = next((i for i, n in enumerate(names) if roles[i] is None and _H_TASK.search(re.sub(r"\s+", "", n))), None)
    return roles if at is None else [*roles[:at], "task", *roles[at + 1 :]]


_H_NAME = re.compile(r"名称|名稱")
_H_PLAN = re.compile(r"计划|計劃|任务|任務")


def name_and_plan(names: list[str], roles: list[str | None]) -> list[str | None]:
    """A project-name column beside a column of what was to be done ("项目名称" / "9月工作计划"): the
    name is the category of the row, the plan its task."""
    tasks = [i for i, r in enumerate(roles) if r == "task"]
    if "category" in roles or len(tasks) < 2 or len(names) != len(roles):
        return roles
    name = next((i for i in tasks if _H_NAME.search(names[i])), None)
    if name is None or not any(_H_PLAN.search(names[i]) for i in tasks if i != name):
        return roles
    return [*roles[:name], "category", *roles[name + 1 :]]


def short(text: str, cell: tuple[int, int]) -> bool:
    """A cell of a few words without clause marks: a verdict (顺利推进), not a progress report."""
    return cell[1] - cell[0] <= 8 and not re.search(r"[，,。；;：:]", text[cell[0] : cell[1]])


def put(text: str, roles: dict[str, tuple[int, int]], r: str, c: tuple[int, int]) -> None:
    """Record cell ``c`` under role ``r``; of two progress columns the later one, except that a short
    verdict column after a progress report ("进展情况…" then "目标完成情况: 顺利推进") is the verdict."""
    if r == "progress" and r in roles and short(text, c) and not short(text, roles[r]):
        roles["verdict"] = c
    elif r not in roles or r == "progress":
        roles[r] = c


def by_role(text: str, header: list[str | None], cells: list[tuple[int, int]]) -> dict[str, tuple[int, int]]:
    """Cells by their column's role; of two progress columns (1-10月, 1-11月) the later one."""
    roles: dict[str, tuple[int, int]] = {}
    for r, c in zip(header, cells, strict=False):
        if r and c[1] > c[0]:
            put(text, roles, r, c)
    return roles


_SUB_ITEM = re.compile(r"\s*(?:[(（]?\d{1,2}[)）]|[①-⑳])")
_VERDICT = re.compile(r"[^，,：:]{2,12}[。.]?")
_LAST_VERDICT = re.compile(
    r"(?:超额|超額|已|基本|全部|按期|按时|按時|未)?完成|达到[^，,。]{0,4}进度|達到[^，,。]{0,4}進度|[^，,。]{0,4}(?:推进中|推進中|滞后|滯後)"
)
"""A verdict closing a row after its figures ("32095" / "123.4" / "超额完成"): a few status words."""


def _unit_cells(text: str, rest: list[tuple[int, int]]) -> tuple[int, int] | None:
    """``(first, last)`` of the cells holding a row's unit among its first cells after the task: one
    cell with an institution's ending, or a name the page broke over two cells ("市人力资源" /
    "社会保障局"; a list broken after its separator, "…市教体局、" / "团市委")."""
    for i, (a, b) in enumerate(rest[:UNIT_REACH]):
        if b - a <= 24 and INSTITUTION_END.search(text, a, b):
            return i, i
        if i + 1 < len(rest):
            c, d = rest[i + 1]
            head = text[a:b]
            # a fragment of a name, longer than a person's ("李西" in a leader column is no part of the unit)
            broken = (4 <= len(head) <= 8 and not re.search(r"[\W\d]", head)) or (head.endswith("、") and b - a <= 40)
            if (
                broken
                and d - c <= 24
                and INSTITUTION_END.search(text, c, d)
                and not re.search(r"[，,。；;:：]", text[c:d])
            ):
                return i, i + 1
    return None


UNIT_REACH = 3
"""How many cells after the task may come before the unit cell (a sub-task cell, a target cell)."""


def by_content(
    text: str, header: list[str | None], cells: list[tuple[int, int]], above: tuple[int, int] | None
) -> dict[str, tuple[int, int]]:
    """Cells of a row whose count does not match its header (one cell per line, merged or split
    cells), typed by what they hold: the task first, with its sub-item lines ("2)…"); the unit
    cell by its institution ending, else the row above's (a merged cell); after it a short verdict
    ("基本完成。") and the report, which may run over several lines, or the report then a verdict
    closing the row ("32095" / "123.4" / "超额完成").

    Cells between the task and the unit fill the columns the header has there (a target column:
    "26000"); one more than those columns is a sub-task cell the task spans ("促进…创业" /
    "城镇新增就业(人)", a merged project cell and its item)."""
    roles: dict[str, tuple[int, int]] = {}
    k = 1
    while k < len(cells) and _SUB_ITEM.match(text, *cells[k]):
        k += 1
    task_end = k - 1
    rest = cells[k:]
    between = header.index("lead") - header.index("task") - 1 if "lead" in header and "task" in header else 0
    if "lead" in header:
        unit = _unit_cells(text, rest)
        if unit is not None:
            first, last = unit
            extra = first - max(between, 0)
            sub_tasks = rest[:extra]  # neither a figure nor a name ("王东" in a column the header lost)
            if 0 < extra and all(b - a > 4 and not _FIGURE.fullmatch(text, a, b) for a, b in sub_tasks):
                task_end = k - 1 + extra
            roles["lead"], rest = (rest[first][0], rest[last][1]), rest[last + 1 :]
        else:
            if above is not None:
                roles["lead"] = above
            if 0 < between < len(rest) - 1 and all(_FIGURE.fullmatch(text, *c) for c in rest[:between]):
                rest = rest[between:]  # the target cells of a row whose unit cell is merged above
    roles["task"] = (cells[0][0], cells[task_end][1])
    if len(rest) >= 3 and _LAST_VERDICT.fullmatch(text, *rest[-2]) and _NAME_CELL.fullmatch(text, *rest[-1]):
        roles["verdict"], rest = rest[-2], rest[:-2]  # the next part's category cell opens the next row's line
    elif len(rest) >= 2 and _LAST_VERDICT.fullmatch(text, *rest[-1]):  # a 备注 cell after the figures: "超额完成"
        roles["verdict"], rest = rest[-1], rest[:-1]
    elif len(rest) >= 2 and _VERDICT.fullmatch(text, *rest[0]) and not _FIGURE.fullmatch(text, *rest[0]):
        roles["verdict"], rest = rest[0], rest[1:]
    if rest and "progress" in header:
        roles["progress"] = (rest[0][0], rest[-1][1])
    return roles


_NAME_CELL = re.compile(r"[\u4e00-\u9fff]{2,12}")
"""A cell of a name alone, no figure or punctuation: a category ("扶贫解困工程"), not a report."""
_FIGURE = re.compile(r"[\d.,%％]+")
