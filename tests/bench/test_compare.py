"""bench.compare: the figures of several runs side by side."""

import pytest

from bench.compare import table


def _results(value, met):
    return {
        "figures": [
            {"name": "sweep time", "unit": "s", "value": value, "target": "<= 1", "met": met},
        ]
    }


def test_two_runs_are_before_and_after():
    lines = table(_results(3.4, False), _results(0.35, True)).splitlines()
    assert lines[0] == "| figure | target | before | after | met after |"
    assert lines[2] == "| sweep time (s) | <= 1 | 3.4 | 0.35 | yes |"


def test_three_runs_with_labels():
    lines = table(
        _results(3.4, False),
        _results(1.4, False),
        _results(0.35, True),
        labels=["before", "round 1", "after"],
    ).splitlines()
    assert lines[0] == "| figure | target | before | round 1 | after | met after |"
    assert lines[2] == "| sweep time (s) | <= 1 | 3.4 | 1.4 | 0.35 | yes |"


def test_labels_must_match_the_files():
    with pytest.raises(ValueError):
        table(_results(1, True), _results(2, True), _results(3, True))
