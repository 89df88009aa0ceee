# Festa: `make run` serves the demo, `make test` runs the whole suite.
VENV      := .venv
PY        := $(VENV)/bin/python
FLASK     := $(VENV)/bin/flask --app festa
PORT      ?= 5000
# Links in mail, tickets and feeds point at the port actually served.
FESTA_BASE_URL ?= http://127.0.0.1:$(PORT)
export FESTA_BASE_URL
PYTEST_ARGS ?=

.PHONY: run serve test lint assets translations chromium wrk clean bench

$(VENV)/.installed-app: setup.cfg pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(PY) -m pip install -q -e '.[test]'
	touch $@

# Front-end libraries come from the npm registry and are served from static/vendor/;
# so does Noto Sans KR (OFL), the Hangul font embedded in name badges (festa/badges).
static/vendor/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/jsqr/dist/jsQR.js static/vendor/jsQR.js
	cp node_modules/interactjs/dist/interact.min.js static/vendor/interact.min.js
	mkdir -p static/vendor/fonts
	cp node_modules/@embedpdf/fonts-kr/fonts/NotoSansKR-Regular.otf \
	   node_modules/@embedpdf/fonts-kr/fonts/NotoSansKR-Bold.otf static/vendor/fonts/
	touch $@

assets: static/vendor/.installed

translations: $(VENV)/.installed-app
	$(PY) -c "from festa.i18n import compile_catalogs; compile_catalogs()"

run: $(VENV)/.installed-app assets translations
	$(FLASK) db upgrade
	$(FLASK) festa demo --if-empty
	@echo ""
	@echo "  Festa is running at http://127.0.0.1:$(PORT)"
	@$(FLASK) festa demo-logins
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT) --no-debugger --no-reload --with-threads

# Debian's Chromium for the browser tests; a Korean font so failure screenshots are legible.
chromium:
	@{ test -x /usr/bin/chromium && dpkg -s fonts-nanum >/dev/null 2>&1; } || { \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null; }

# ruff, then the layers of .importlinter (README: Architecture).
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check festa tests bench wsgi.py
	$(VENV)/bin/lint-imports --no-cache

test: $(VENV)/.installed-test assets translations chromium lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Production serving: gunicorn with gunicorn.conf.py on DATABASE_URL (PORT, default 8000).
serve: $(VENV)/.installed-app assets translations
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# The load generator of the benchmarks, from Debian's packages.
wrk:
	@test -x /usr/bin/wrk || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# Load and fault runs (bench/): each writes its figures into BENCHMARKS.md.
bench: $(VENV)/.installed-test assets translations chromium wrk
	$(PY) -m bench.all

clean:
	rm -rf $(VENV) node_modules static/vendor instance/festa.db
