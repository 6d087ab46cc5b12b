"""The latency chart's geometry: bars that read true against their axis, labels that never crowd."""

import pytest

from calls.latency_chart import LatencyPoint, latency_chart, latency_points, nice_step
from calls.models import Turn, TurnRole, TurnSource


def value_at(chart, y: float) -> float:
    """The milliseconds the y axis reads at height `y`."""
    span = chart.plot_bottom - chart.plot_top
    return (chart.plot_bottom - y) / span * chart.top_ms


def test_there_is_no_chart_without_timed_answers():
    assert latency_chart([]) is None


def test_each_answer_gets_a_first_word_bar_and_a_total_bar_as_tall_as_their_values():
    points = [LatencyPoint(2, 300, 1240), LatencyPoint(4, 850, 2100), LatencyPoint(6, 120, 400)]
    chart = latency_chart(points)

    assert [column.sequence for column in chart.columns] == [2, 4, 6]
    for point, column in zip(points, chart.columns, strict=True):
        assert column.first.ms == point.first_ms
        assert column.total.ms == point.total_ms
        # Each bar stands on the axis and reaches its value (within the rounding to a tenth).
        for bar, ms in ((column.first, point.first_ms), (column.total, point.total_ms)):
            assert bar.y + bar.height == pytest.approx(chart.plot_bottom, abs=0.11)
            assert value_at(chart, bar.y) == pytest.approx(ms, rel=0.01)
    assert chart.top_ms >= 2100


def test_bars_stay_inside_the_plot_and_answers_read_left_to_right():
    chart = latency_chart([LatencyPoint(n, n * 10, n * 25) for n in range(1, 41)])
    xs = []
    for column in chart.columns:
        for bar in (column.first, column.total):
            assert chart.plot_left <= bar.x
            assert bar.x + bar.width <= chart.plot_right + 0.1
            assert chart.plot_top - 0.1 <= bar.y <= chart.plot_bottom
        assert column.first.x < column.total.x
        xs.append(column.first.x)
    assert xs == sorted(xs)


def test_the_y_axis_has_round_ticks_from_zero_to_above_the_slowest_answer():
    chart = latency_chart([LatencyPoint(2, 300, 1240)])
    labels = [tick.label for tick in chart.ticks]
    assert labels == ["0 ms", "500 ms", "1000 ms", "1500 ms"]
    ys = [tick.y for tick in chart.ticks]
    assert ys[0] == chart.plot_bottom
    assert ys[-1] == chart.plot_top
    assert ys == sorted(ys, reverse=True)


def test_slow_calls_read_in_seconds():
    chart = latency_chart([LatencyPoint(2, 2500, 7400)])
    assert [tick.label for tick in chart.ticks] == ["0 s", "2 s", "4 s", "6 s", "8 s"]


def test_tick_steps_are_round_numbers():
    assert nice_step(1240) == 500
    assert nice_step(90) == 20
    assert nice_step(0) == 1
    assert nice_step(3) == 1


def test_an_answer_with_only_one_timing_gets_only_that_bar():
    chart = latency_chart([LatencyPoint(3, None, 900), LatencyPoint(5, 200, None)])
    assert chart.columns[0].first is None
    assert chart.columns[0].total.ms == 900
    assert chart.columns[1].total is None
    assert "first word 200 ms" in chart.columns[1].title


def test_instant_answers_do_not_break_the_scale():
    chart = latency_chart([LatencyPoint(2, 0, 0)])
    assert chart.top_ms >= 1
    assert chart.columns[0].first.height == 0


def test_long_calls_label_only_some_turns_so_numbers_do_not_overlap():
    chart = latency_chart([LatencyPoint(n, 100, 200) for n in range(1, 101)])
    labelled = [column for column in chart.columns if column.label]
    assert 1 < len(labelled) <= 24
    assert chart.columns[0].label == "1"


def test_only_timed_assistant_turns_are_charted():
    turns = [
        Turn(sequence=1, role=TurnRole.ASSISTANT, source=TurnSource.SYSTEM, text="Hello"),
        Turn(sequence=2, role=TurnRole.CALLER, source=TurnSource.SPEECH, text="Hours?"),
        Turn(
            sequence=3,
            role=TurnRole.ASSISTANT,
            source=TurnSource.LLM,
            text="Eight to six.",
            ms_to_first_text=310,
            ms_to_last_text=980,
        ),
        Turn(sequence=4, role=TurnRole.SYSTEM, source=TurnSource.SYSTEM, text="handoff: goodbye"),
    ]
    assert latency_points(turns) == [LatencyPoint(3, 310, 980)]
