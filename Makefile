# Labda: the two commands of the README, and a few for development.
.PHONY: up test bench lint setup

up:            ## set up everything, then run Labda on http://127.0.0.1:8000
	scripts/up.sh

test:          ## set up everything, then run the whole test suite
	scripts/setup.sh --test
	scripts/test.sh

bench:         ## invoke latency and cold starts vs docker run; the Monitor tab with 1M invocations; a flood vs another student
	scripts/setup.sh
	.venv/bin/python bench/invoke_latency.py
	.venv/bin/python bench/monitor_render.py
	.venv/bin/python bench/flood.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

setup:
	scripts/setup.sh
