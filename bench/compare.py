"""A table of two or more results.json files side by side, for BENCHMARKS.md.

python -m bench.compare bench/results-before.json bench/results.json
python -m bench.compare before.json round1.json after.json --labels before,"round 1",after

The last file's figures, targets and "met" decide the rows; the others give
the earlier values of the same figures.
"""

import argparse
import json

from bench.report import _fmt


def table(*results: dict, labels: list[str] | None = None) -> str:
    if len(results) < 2:
        raise ValueError("compare needs two results or more")
    labels = labels or (["before", "after"] if len(results) == 2 else None)
    if labels is None or len(labels) != len(results):
        raise ValueError("give one label per results file")
    earlier = [{figure["name"]: figure for figure in result["figures"]} for result in results]
    lines = [
        "| figure | target | " + " | ".join(labels) + f" | met {labels[-1]} |",
        "| --- | --- | " + " | ".join("---:" for _ in labels) + " | --- |",
    ]
    for figure in results[-1]["figures"]:
        unit = figure["unit"]
        values = []
        for old in earlier[:-1]:
            previous = old.get(figure["name"])
            values.append(_fmt(previous["value"], unit) if previous else "")
        values.append(_fmt(figure["value"], unit))
        met = "" if figure["met"] is None else ("yes" if figure["met"] else "**no**")
        lines.append(
            f"| {figure['name']} ({unit}) | {figure['target'] or ''} | "
            + " | ".join(values)
            + f" | {met} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--labels", default="", help="comma-separated, one per file")
    args = parser.parse_args(argv)
    results = []
    for path in args.files:
        with open(path) as file:
            results.append(json.load(file))
    labels = [label.strip() for label in args.labels.split(",")] if args.labels else None
    print(table(*results, labels=labels))


if __name__ == "__main__":
    main()
