"""ptxforge's fuzzer: generated and mutated kernels compiled in child processes (see run.py)."""
