"""fink's benchmark suite: `make bench` (see README.md). Benchmarks are not tests: CI does not run them."""
