"""The figures of a run: `bench/results.json` and the generated part of BENCHMARKS.md."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import re
import subprocess
from pathlib import Path

START = "<!-- bench:results:start (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:results:end -->"


@dataclasses.dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str | None
    met: bool | None
    group: str = ""
    note: str = ""

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "value": round(self.value, 3) if isinstance(self.value, float) else self.value,
            "unit": self.unit,
            "target": self.target,
            "met": self.met,
            "group": self.group,
            **({"note": self.note} if self.note else {}),
        }


def _first_line(argv) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (result.stdout or result.stderr).strip().splitlines()[0] if result else "unknown"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(memory_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": postgres,
        "redis": _redis_version(),
        "wrk": _first_line(["/usr/bin/wrk", "--version"]).split(" [")[0],
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _redis_version() -> str:
    from django.conf import settings
    from redis import Redis

    try:
        return Redis.from_url(settings.REDIS_URL).info("server")["redis_version"]
    except Exception:
        return "unknown"


def write_json(path: Path, *, machine_info: dict, scale: dict, figures, extra: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "machine": machine_info,
        "scale": scale,
        **extra,
        "figures": [figure.as_json() for figure in figures],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _fmt(value, unit) -> str:
    if isinstance(value, float):
        if unit == "ratio":
            return f"{value:.2f}"
        if abs(value) >= 100:
            return f"{value:,.0f}".replace(",", " ")
        if abs(value) < 1:
            return f"{value:.2f}"
        return f"{value:.1f}"
    return f"{value:,}".replace(",", " ") if isinstance(value, int) else str(value)


GROUP_TITLES = {
    "seed": "Data",
    "load": "1. Public register under load (wrk, 32 connections)",
    "ingest": "2. Webhook ingest (8 connections, 2 Celery workers)",
    "queue": "3. The handler's queue page",
    "archive": "4. Archive: full-text search and export",
    "reminders": "5. Reminder sweep",
    "disposal": "6. Disposal",
    "memory": "7. Peak memory of the servers",
}


def results_markdown(*, machine_info: dict, scale: dict, figures, extra: dict) -> str:
    lines = [
        START,
        "",
        f"Run of {machine_info['date']} ({extra.get('mode', 'full')} scale).",
        "",
        "| machine | |",
        "| --- | --- |",
        f"| CPU | {machine_info['cpu']}, {machine_info['cores']} cores |",
        f"| RAM | {machine_info['ram_gb']} GB |",
        f"| OS | {machine_info['os']} |",
        f"| PostgreSQL | {machine_info['postgresql']} |",
        f"| Redis | {machine_info['redis']} |",
        f"| Python | {machine_info['python']} |",
        f"| wrk | {machine_info['wrk']} |",
        "",
        "Data: " + ", ".join(f"{key} {value}" for key, value in scale.items()) + ".",
        "",
    ]
    groups: dict[str, list[Figure]] = {}
    for figure in figures:
        groups.setdefault(figure.group, []).append(figure)
    for group, title in GROUP_TITLES.items():
        if group not in groups:
            continue
        lines += [f"#### {title}", "", "| figure | value | unit | target | met |"]
        lines.append("| --- | ---: | --- | --- | --- |")
        for figure in groups[group]:
            met = "" if figure.met is None else ("yes" if figure.met else "**no**")
            name = figure.name + (f" ({figure.note})" if figure.note else "")
            lines.append(
                f"| {name} | {_fmt(figure.value, figure.unit)} | {figure.unit} "
                f"| {figure.target or ''} | {met} |"
            )
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write_markdown(path: Path, section: str) -> None:
    """Replace the generated section of BENCHMARKS.md, keeping everything around it."""
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _match: section, text)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
