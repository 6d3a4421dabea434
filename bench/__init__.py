"""Benchmarks (`make bench`): throughput, latency and ratios against raw floors.

Never run as tests. Each stage module exposes `run(ctx) -> list[Row]`.
"""
