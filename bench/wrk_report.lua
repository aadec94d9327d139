-- Sent as the TLS-terminating proxy in front of gunicorn would send it
-- (the production settings redirect plain HTTP to HTTPS otherwise).
wrk.headers["X-Forwarded-Proto"] = "https"

-- One machine-readable line with what the harness needs.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
