"""Measurement 1: the public register under load (wrk), beside the constant view."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

from bench.report import Figure
from bench.servers import FORWARDED

WRK = "/usr/bin/wrk"
SCRIPT = Path(__file__).with_name("wrk_report.lua")
MIN_SHARE = 0.6
MAX_P99_MS = 50.0


class LoadError(Exception):
    pass


def targets(verify_address: str, search: str) -> list[tuple[str, str]]:
    return [
        ("register", "/kanaler/"),
        ("register_search", "/kanaler/?" + urllib.parse.urlencode({"q": search})),
        ("api_channels", "/api/v1/channels"),
        ("api_verify", "/api/v1/verify?" + urllib.parse.urlencode({"url": verify_address})),
    ]


def check(base_url: str, path: str):
    """One request before the load: a page that fails must fail the harness, not count."""
    request = urllib.request.Request(base_url + path, headers=FORWARDED)  # noqa: S310 - http URL of the local server
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http URL of the local server
        if response.status != 200:
            raise LoadError(f"{path} answered {response.status}")
        return response.read()


def wrk(base_url: str, path: str, *, seconds: int, connections: int) -> dict:
    argv = [
        WRK,
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        base_url + path,
    ]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise LoadError(f"wrk failed on {path}: {result.stderr or result.stdout}")
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise LoadError(f"wrk printed no summary for {path}: {result.stdout}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    errors = data["status"] + data["connect"] + data["timeout"]
    if errors:
        raise LoadError(f"{path}: {errors} failed requests under load ({data}); see the logs")
    return data


def run(servers, *, scale, verify_address: str, search: str, log=print) -> list[Figure]:
    base = servers.base_url
    pages = targets(verify_address, search)
    for _name, path in [("constant", "/bench/konstant/"), *pages]:
        check(base, path)
    seconds, connections = scale.wrk_seconds, scale.wrk_connections
    # The constant view before and after the pages: the machine is shared, so its
    # mean is the ceiling of this run.
    before = wrk(base, "/bench/konstant/", seconds=seconds, connections=connections)
    log(f"load: constant {before['rps']:.0f} req/s")
    measured = {}
    for name, path in pages:
        measured[name] = wrk(base, path, seconds=seconds, connections=connections)
        servers.sample()
        data = measured[name]
        log(
            f"load: {name} {data['rps']:.0f} req/s, p50 {data['p50_us'] / 1000:.1f} ms, "
            f"p99 {data['p99_us'] / 1000:.1f} ms"
        )
    after = wrk(base, "/bench/konstant/", seconds=seconds, connections=connections)
    servers.sample()
    constant_rps = (before["rps"] + after["rps"]) / 2
    figures = [
        Figure("constant view throughput", constant_rps, "req/s", None, None, group="load"),
        Figure(
            "constant view p99",
            max(before["p99_us"], after["p99_us"]) / 1000,
            "ms",
            None,
            None,
            group="load",
        ),
    ]
    for name, path in pages:
        data = measured[name]
        share = data["rps"] / constant_rps
        label = f"{name} ({path.split('?')[0]})"
        figures += [
            Figure(f"{label} throughput", data["rps"], "req/s", None, None, group="load"),
            Figure(
                f"{label} share of constant",
                share,
                "ratio",
                f">= {MIN_SHARE}",
                share >= MIN_SHARE,
                group="load",
            ),
            Figure(f"{label} p50", data["p50_us"] / 1000, "ms", None, None, group="load"),
            Figure(
                f"{label} p99",
                data["p99_us"] / 1000,
                "ms",
                f"<= {MAX_P99_MS:g}",
                data["p99_us"] / 1000 <= MAX_P99_MS,
                group="load",
            ),
        ]
    return figures
