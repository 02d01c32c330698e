# CivicNet: the README's commands. Only Python 3.11 and make are needed.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
export FLASK_APP := wsgi.py
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-postgres acceptance gallery install translations migrate bench bot worker clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --upgrade pip
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@for d in civicnet/translations civicnet/*/translations bots/translations; do \
	  ls $$d/*/LC_MESSAGES/*.po >/dev/null 2>&1 && $(BIN)/pybabel -q compile -d "$$d" || true; done

migrate: install
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask network load-defaults

run: migrate
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: install
	HF_HUB_OFFLINE=1 $(BIN)/pytest $(PYTEST_ARGS)

# The acceptance suite alone: real gunicorn, worker and bot processes driven from outside.
acceptance: install
	HF_HUB_OFFLINE=1 $(BIN)/pytest tests/acceptance $(PYTEST_ARGS)

# The screenshot gallery and accessibility audit alone: test-artifacts/gallery/index.html.
gallery: install
	HF_HUB_OFFLINE=1 $(BIN)/pytest -m gallery tests/acceptance $(PYTEST_ARGS)

test-postgres: install
	HF_HUB_OFFLINE=1 TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

bot: migrate
	$(BIN)/python -m bots

worker: migrate
	$(BIN)/python -m civicnet.worker

clean:
	rm -rf $(VENV) .pytest_cache
