"""Tables that fit the terminal: values are never cut to ``0.9…``.

Rich shrinks a table that is too wide by squeezing its columns until values end in an ellipsis.
Here every column says how it may give way instead: an *exact* column (numbers, ids, labels) is
always as wide as its widest value; a *flexible* one (paths, reasons, quotes) may fold its text
onto more lines, down to a minimum width. When even that does not fit, whole columns are left
out, the least important first, and the caller is told which, so it can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text


@dataclass(frozen=True)
class Col:
    """One column: its header, alignment, how it gives way and how much it matters."""

    header: str
    justify: Literal["left", "right", "center"] = "left"
    keep: int = 5
    """Higher is kept longer when the terminal is narrow; ties drop the rightmost column first."""
    fold: int | None = None
    """None: exact (never broken). N: may fold its text down to N cells wide."""
    name: str | None = None
    """How the column is named in the "not shown" note, when not its header (one whose header wraps)."""


def _width(value: Text) -> int:
    return max((cell_len(line) for line in value.plain.splitlines()), default=0)


def _header_width(header: str) -> int:
    """A header may wrap between words (``F1 strict`` over two lines), never inside one."""
    return max((cell_len(word) for word in header.split()), default=1)


def _overhead(columns: int, options: dict[str, Any]) -> int:
    """Cells a table spends on borders and padding (rich's default padding: one space each side)."""
    boxed = options.get("box", True) is not None
    edges = 2 if boxed and options.get("show_edge", True) else 0
    separators = columns - 1 if boxed else 0
    padding = 2 * columns - (0 if options.get("pad_edge", True) else 2)
    return edges + separators + padding


def fit_table(
    cols: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    width: int,
    title: str | None = None,
    **table_options: Any,
) -> tuple[Table, list[str]]:
    """A table at most ``width`` cells wide, and the headers of the columns left out to get there.

    Cells are plain strings (never read as markup: a path may contain ``[``) or rich ``Text``.
    """
    cells = [[v if isinstance(v, Text) else Text(str(v)) for v in row] for row in rows]
    natural = [max([_header_width(c.header)] + [_width(row[i]) for row in cells]) for i, c in enumerate(cols)]
    minimum = [
        n if c.fold is None else min(n, max(c.fold, _header_width(c.header)))
        for c, n in zip(cols, natural, strict=True)
    ]
    shown = list(range(len(cols)))

    def needed(indices: list[int]) -> int:
        return sum(minimum[i] for i in indices) + _overhead(len(indices), table_options)

    while len(shown) > 1 and needed(shown) > width:
        drop = min(reversed(shown), key=lambda i: cols[i].keep)
        shown.remove(drop)
    room = width - _overhead(len(shown), table_options)
    widths = _share(room, shown, cols, natural, minimum)
    table = Table(title=title, **table_options)
    for i in shown:  # an exact column's width holds its widest value: only its header may wrap
        table.add_column(cols[i].header, justify=cols[i].justify, width=widths[i], overflow="fold")
    for row in cells:
        table.add_row(*(row[i] for i in shown))
    return table, [cols[i].name or cols[i].header for i in range(len(cols)) if i not in shown]


def _share(room: int, shown: list[int], cols: Sequence[Col], natural: list[int], minimum: list[int]) -> dict[int, int]:
    """Exact columns get their natural width; the widest flexible ones give way first, down to their minimum.

    Folding one long column (a path) reads better than breaking every column by a cell or two.
    """
    widths = {i: natural[i] for i in shown}
    short = sum(widths.values()) - room
    for i in sorted((i for i in shown if cols[i].fold is not None), key=lambda i: -natural[i]):
        if short <= 0:
            break
        give = min(short, natural[i] - minimum[i])
        widths[i] -= give
        short -= give
    # room to spare: whole headers on one line ("F1 strict", not "F1" over "strict"), cheapest first
    for i in sorted(shown, key=lambda i: cell_len(cols[i].header) - widths[i]):
        grow = cell_len(cols[i].header) - widths[i]
        if 0 < grow <= -short:
            widths[i] += grow
            short += grow
    return widths


def print_table(
    console: Console,
    cols: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    title: str | None = None,
    hint: str = "a wider terminal shows them",
    **table_options: Any,
) -> list[str]:
    """Print a table that fits ``console``; say on a dim line which columns did not, and return them."""
    table, dropped = fit_table(cols, rows, width=console.width, title=title, **table_options)
    console.print(table)
    if dropped:
        note = f"not shown at {console.width} columns: {', '.join(dropped)}; {hint}"
        console.print(Text(note, style="dim"))
    return dropped
