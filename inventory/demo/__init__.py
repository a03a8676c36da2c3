"""The demo and synthetic data: realistic returns for `inventory demo`, the tests and the benchmarks.

Owns the synthetic return generator and the demo pipeline (templates, returns with known mistakes,
validation, feedback, import, reports). It sits beside the CLI at the top and may import every
stage below it; nothing below imports it.
"""
