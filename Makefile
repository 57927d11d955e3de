# The two quick-start commands: `make example` (deploy examples/ to a local AWS emulator) and `make test`.
.PHONY: example test docs bench dist

example:
	@bash scripts/bootstrap.sh
	.venv/bin/python scripts/run_example.py

test:
	@bash scripts/bootstrap.sh
	.venv/bin/pytest

docs:
	@bash scripts/bootstrap.sh
	.venv/bin/python -m sphinx -W -b html docs docs/_build/html

bench:
	@bash scripts/bootstrap.sh
	.venv/bin/python bench/bench_bundle.py

dist:
	@bash scripts/bootstrap.sh
	.venv/bin/python scripts/dist.py
