"""Load and fault runs; see BENCHMARKS.md and bench/harness.py."""
