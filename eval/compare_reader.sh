#!/usr/bin/env bash
# Compare a retrained reader with the shipped one on every set, question by question.
#
#   bash eval/compare_reader.sh runs/NAME/export NAME
#
# 1. tunes the export's abstention threshold and proximity on held-out training articles (eval.tune_reader --write);
# 2. the reader alone on a 2,000-question SQuAD dev sample with the gold paragraph, int8 and fp32;
# 3. builds (or updates) the evaluation corpora in the work folder (`make corpora`, then SQuAD's and the held-out
#    set's), none of them committed;
# 4. eval.ablation with the variants `model` (shipped) and `reader=DIR` on the bundled and Reuters gold sets,
#    newsqa-dev, newsqa-dev asked of the bundled corpus, a 3,000-question SQuAD dev sample as one corpus, and
#    the held-out tuning set (the one set the settings were chosen on: read it as such).
# Reports go to runs/reports (git-ignored). Nothing here trains or changes the shipped model.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: bash eval/compare_reader.sh EXPORT_DIR NAME" >&2; exit 2; }
MODEL="$1"; NAME="$2"
[ -f "$MODEL/model.json" ] || { echo "error: $MODEL has no model.json (run python -m qa.training --export first)" >&2; exit 2; }
export HF_HUB_OFFLINE=1 PYTHONPATH=.
PY=.venv/bin/python; QA=.venv/bin/qa
WORK="${QA_WORK:-$HOME/.cache/qa-news}"
NEWSQA=../shared/data/newsqa-dev
OUT=runs/reports
mkdir -p "$OUT"

$PY -m eval.tune_reader --model-dir "$MODEL" --write
$PY -m eval.squad_reader --model-dir "$MODEL" --limit 2000 --out "$OUT" --name "squad-reader-$NAME"
$PY -m eval.squad_reader --model-dir "$MODEL" --limit 2000 --fp32 --out "$OUT" --name "squad-reader-$NAME-fp32"

make -s corpora NEWSQA="$NEWSQA" REUTERS_WORK="$WORK/reuters-gold" NEWSQA_WORK="$WORK/newsqa"
$PY -m eval.squad --write-gold "$WORK/squad/gold.jsonl"
$QA index --corpus "$WORK/squad/corpus/squad.jsonl" --index "$WORK/squad/index"
[ -f "$WORK/heldout/gold.jsonl" ] || $PY -m eval.heldout --out "$WORK/heldout"
$QA index --corpus "$WORK/heldout/corpus.jsonl" --index "$WORK/heldout/index"

$PY -m eval.ablation \
  --set "bundled=eval/gold.jsonl:index" \
  --set "reuters=eval/gold-reuters.jsonl:$WORK/reuters-gold/index" \
  --set "newsqa=$NEWSQA/gold.jsonl:$WORK/newsqa/index" \
  --set "asked-of-bundled=$WORK/newsqa/asked-of-bundled.jsonl:index" \
  --set "squad=$WORK/squad/gold.jsonl:$WORK/squad/index" \
  --set "heldout=$WORK/heldout/gold.jsonl:$WORK/heldout/index" \
  --set "followups-newsqa=eval/followups-newsqa.jsonl:$WORK/newsqa/index" \
  --set "followups-reuters=eval/followups-reuters.jsonl:$WORK/reuters-gold/index" \
  --variants "model,reader=$MODEL" --name "compare-$NAME" --out "$OUT"
