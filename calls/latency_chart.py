"""The geometry of a call's latency chart: two bars per answer (first word, total), in SVG units
(rounded to a tenth, which is finer than a pixel).

Pure arithmetic, no drawing: templates/calls/_latency_chart.html turns it into inline SVG, so
the page needs no chart library and no JavaScript.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from calls.models import Turn, TurnRole

# Beyond this many answers, only every n-th gets its number under the axis, so labels never overlap.
MAX_X_LABELS = 24


@dataclass(frozen=True)
class LatencyPoint:
    """One answer's timings, in milliseconds after the caller's words reached us."""

    sequence: int
    first_ms: int | None
    total_ms: int | None


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    ms: int


@dataclass(frozen=True)
class Column:
    sequence: int
    first: Bar | None
    total: Bar | None
    label_x: float
    label: str  # empty when this column's number is skipped to avoid crowding
    title: str  # the tooltip: what the bars say, in words


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class LatencyChart:
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_right: float
    plot_bottom: float
    top_ms: int  # the value at the top of the y axis
    columns: list[Column]
    ticks: list[Tick]

    @property
    def tick_label_x(self) -> float:
        """Where the y axis's labels end, just left of the plot."""
        return self.plot_left - 6

    @property
    def column_label_y(self) -> float:
        """The baseline of the turn numbers under the plot."""
        return self.plot_bottom + 14


def latency_points(turns: Iterable[Turn]) -> list[LatencyPoint]:
    """The timed answers among `turns` (assistant turns with at least one timing), in order."""
    return [
        LatencyPoint(turn.sequence, turn.ms_to_first_text, turn.ms_to_last_text)
        for turn in turns
        if turn.role == TurnRole.ASSISTANT
        and (turn.ms_to_first_text is not None or turn.ms_to_last_text is not None)
    ]


def nice_step(largest: float, *, max_ticks: int = 5) -> int:
    """A round tick step (1, 2 or 5 times a power of ten, at least 1) that covers `largest` in at
    most `max_ticks` steps."""
    raw = max(largest, 1) / max_ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def format_ms(ms: float, *, in_seconds: bool) -> str:
    if in_seconds:
        return f"{ms / 1000:g} s"
    return f"{ms:g} ms"


def latency_chart(
    points: Sequence[LatencyPoint], *, width: int = 720, height: int = 200
) -> LatencyChart | None:
    """The chart for `points`, or None when there is nothing to draw."""
    if not points:
        return None
    left, right, top, bottom = 64.0, width - 12.0, 16.0, height - 28.0
    largest = max(max(p.first_ms or 0, p.total_ms or 0) for p in points)
    step = nice_step(largest)
    top_ms = step * max(1, math.ceil(largest / step))
    in_seconds = top_ms >= 2000

    def y_of(ms: float) -> float:
        return round(bottom - (bottom - top) * ms / top_ms, 1)

    def bar(x: float, bar_width: float, ms: int | None) -> Bar | None:
        if ms is None:
            return None
        y = y_of(ms)
        return Bar(
            x=round(x, 1), y=y, width=round(bar_width, 1), height=round(bottom - y, 1), ms=ms
        )

    slot = (right - left) / len(points)
    group = min(slot * 0.7, 40.0)
    every = math.ceil(len(points) / MAX_X_LABELS)
    columns = []
    for index, point in enumerate(points):
        centre = left + slot * (index + 0.5)
        words = [f"Turn {point.sequence}"]
        if point.first_ms is not None:
            words.append(f"first word {point.first_ms} ms")
        if point.total_ms is not None:
            words.append(f"total {point.total_ms} ms")
        columns.append(
            Column(
                sequence=point.sequence,
                first=bar(centre - group / 2, group / 2, point.first_ms),
                total=bar(centre, group / 2, point.total_ms),
                label_x=round(centre, 1),
                label=str(point.sequence) if index % every == 0 else "",
                title=", ".join(words),
            )
        )
    ticks = [
        Tick(y=y_of(ms), label=format_ms(ms, in_seconds=in_seconds))
        for ms in range(0, top_ms + 1, step)
    ]
    return LatencyChart(
        width=width,
        height=height,
        plot_left=left,
        plot_top=top,
        plot_right=right,
        plot_bottom=bottom,
        top_ms=top_ms,
        columns=columns,
        ticks=ticks,
    )
