# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test corpora eval clean

# torch is installed first, pinned to the local CPU wheel: unpinned, pip would pull CUDA builds.
$(BIN)/qa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m pip check
	touch $@

setup: $(BIN)/qa

demo: setup
	$(BIN)/qa index
	$(BIN)/qa ask "How many foreign fighters have returned home?"

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# Newswire gold set: Reuters articles read from ../shared/data into a work folder (not committed).
REUTERS_WORK ?= $(HOME)/.cache/qa-news/reuters-gold

# NewsQA dev (../shared/data/newsqa-dev, research terms: indexed and reported in a work folder, never committed).
NEWSQA ?= ../shared/data/newsqa-dev
NEWSQA_WORK ?= $(HOME)/.cache/qa-news/newsqa

# The gold sets' thresholds are in eval/thresholds*.json; the SQuAD slice's are the flags below. The default
# answerer (the trained reader) is gated by eval/thresholds-{model,reuters-model,newsqa,unanswerable}.json.
# The corpora and indexes the gated sets read (also used by eval/compare_reader.sh); only changes are rebuilt.
corpora: setup
	$(BIN)/qa index
	$(BIN)/python -m eval.reuters_corpus --out $(REUTERS_WORK)/corpus
	$(BIN)/qa index --corpus $(REUTERS_WORK)/corpus --index $(REUTERS_WORK)/index
	$(BIN)/qa index --corpus $(NEWSQA)/corpus.jsonl --index $(NEWSQA_WORK)/index
	$(BIN)/python -m eval.unanswerable --gold $(NEWSQA)/gold.jsonl --out $(NEWSQA_WORK)/asked-of-bundled.jsonl

eval: corpora
	$(BIN)/qa eval
	$(BIN)/qa eval --gold eval/gold-reuters.jsonl --corpus $(REUTERS_WORK)/corpus \
		--index $(REUTERS_WORK)/index --thresholds eval/thresholds-reuters-model.json
	$(BIN)/python -m eval.squad --slice 300 --min-hit1 0.85 --min-numeric-em 0.67
	$(BIN)/qa eval --gold $(NEWSQA)/gold.jsonl --corpus $(NEWSQA)/corpus.jsonl --index $(NEWSQA_WORK)/index \
		--report $(NEWSQA_WORK)/reports --thresholds eval/thresholds-newsqa.json
	$(BIN)/qa eval --gold $(NEWSQA_WORK)/asked-of-bundled.jsonl --report $(NEWSQA_WORK)/reports \
		--thresholds eval/thresholds-unanswerable.json

clean:
	rm -rf index .pytest_cache .ruff_cache
