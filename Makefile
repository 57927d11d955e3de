# The two quick-start commands: `make example` (deploy examples/ to a local AWS emulator) and `make test`.
.PHONY: example test docs bench dist

example:
	@bash scripts/bootstrap.sh
	.venv/bin/python scripts/run_example.py

# one process per core (at most 4), each with its own moto server; a test file stays in one process, so its
# module fixtures are built once (see docs/testing.md)
test:
	@bash scripts/bootstrap.sh
	.venv/bin/pytest -n auto --maxprocesses 4 --dist loadfile

docs:
	@bash scripts/bootstrap.sh
	.venv/bin/python -m sphinx -W -b html docs docs/_build/html

# benchmarks against the peers (installs them into bench/.venv/, starts its own emulator); not run by CI
bench:
	@bash scripts/bootstrap.sh
	.venv/bin/python -m bench $(BENCH_ARGS)

dist:
	@bash scripts/bootstrap.sh
	.venv/bin/python scripts/dist.py
