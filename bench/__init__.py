"""The national-scale benchmark harness (`make bench`); see BENCHMARKS.md."""
