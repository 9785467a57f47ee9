# The two commands of README.md, and a way to stop the private database cluster.
PYTHON := $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

.PHONY: run test stop-db bench

run:  ## install what is missing, start the private PostGIS, migrate, load the demo, serve :8000
	bash scripts/run.sh

test:  ## ruff, then every test on a throwaway PostGIS cluster
	bash scripts/test.sh

stop-db:  ## stop the private PostGIS cluster under var/pg (the data stays)
	$(PYTHON) -m clearground.dbcluster stop

bench:  ## every benchmark in one run on a throwaway PostGIS (BENCH_SCALE=100000 hazards); see docs/benchmarks.md
	bash bench/run.sh
