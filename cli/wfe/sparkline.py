"""A sparkline: a series of counts as one line of block characters (▁▂▃▄▅▆▇█). Pure."""

from __future__ import annotations

from collections.abc import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    """Each value as a block whose height is its share of the largest; a zero (or missing) value is a space,
    so an idle hour looks idle; any non-zero value gets at least the lowest block."""
    numbers = [max(float(value or 0), 0.0) for value in values]
    top = max(numbers, default=0.0)
    if top <= 0:
        return " " * len(numbers)
    line = []
    for value in numbers:
        if value <= 0:
            line.append(" ")
        else:
            level = int(round(value / top * (len(BLOCKS) - 1)))
            line.append(BLOCKS[max(level, 0)])
    return "".join(line)
