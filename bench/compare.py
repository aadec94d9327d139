"""A before/after table of two results.json files, for BENCHMARKS.md.

python -m bench.compare bench/results-before.json bench/results.json
"""

import json
import sys

from bench.report import _fmt


def table(before: dict, after: dict) -> str:
    old = {figure["name"]: figure for figure in before["figures"]}
    lines = [
        "| figure | target | before | after | met after |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for figure in after["figures"]:
        previous = old.get(figure["name"])
        unit = figure["unit"]
        was = _fmt(previous["value"], unit) if previous else ""
        met = "" if figure["met"] is None else ("yes" if figure["met"] else "**no**")
        lines.append(
            f"| {figure['name']} ({unit}) | {figure['target'] or ''} | {was} "
            f"| {_fmt(figure['value'], unit)} | {met} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    with open(sys.argv[1]) as first, open(sys.argv[2]) as second:
        print(table(json.load(first), json.load(second)))
