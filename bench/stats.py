"""Small statistics for the benchmarks' tables."""


def percentile(values: list[float], q: float) -> float:
    """The `q` quantile (0..1) of `values`, nearest rank; `values` must not be empty."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def spread(values: list[float]) -> tuple[float, float, float] | None:
    """(p50, p95, p99) of `values`, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    last = len(ordered) - 1
    return tuple(ordered[min(last, round(q * last))] for q in (0.5, 0.95, 0.99))
