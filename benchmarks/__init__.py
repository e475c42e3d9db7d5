"""Benchmarks: a synthetic corpus generator, scale and embedder throughput measurements.

Run them as modules from the repository root (see README, section «Benchmarks»)::

    python -m benchmarks.scale --sizes 1000,10000,100000
    python -m benchmarks.embedders
"""
