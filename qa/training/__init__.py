"""Train the span reader: ``python -m qa.training --out runs/reader`` (never run in CI or at install).

A start/end head and a no-answer score (the [CLS] position, as in SQuAD 2.0 readers) on top of the packaged
all-MiniLM-L6-v2 encoder. The embedding layer stays frozen: it is the packaged one, so only the transformer
layers and the head are trained and shipped (see ``qa/span_reader.py``).

Data: ``../shared/data/qa-train.json.gz`` only (never SQuAD dev, newsqa-dev or the gold sets). Articles are split
by a hash of their title into train and a held-out dev part used to choose the checkpoint and the abstention
threshold. Negatives teach abstention and ranking: another paragraph of the same article and the best BM25
paragraph of another article, both labelled "no answer" at [CLS].

Seeded; a tqdm bar, a log (``train.log``), a learning curve (``curve.jsonl``) and a checkpoint every
``--save-every`` steps that a rerun with the same ``--out`` resumes from.
"""
