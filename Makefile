# flowdesk: `make run` starts the bot on its embedded defaults; `make test` runs the whole test suite.
# Both create the virtual environment in .venv on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install browser ocr helm system-deps clean model

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/flowdesk serve

browser:
	./scripts/install-browser.sh

ocr:
	./scripts/install-ocr.sh

helm:
	@[ -x deploy/.bin/helm ] || ./deploy/get-helm.sh || echo "warning: no helm binary; the chart rendering tests will be skipped" >&2

system-deps: browser ocr helm

test: $(STAMP) system-deps
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q

model: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m intents.rebuild

clean:
	rm -rf $(VENV) .flowdesk .pytest_cache
