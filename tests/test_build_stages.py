"""The build's stages behind one interface: the local stages cut the same passages as chunking each article,
and asking for a Ray build without the extra is a one-line error, not an ImportError."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qa.build_stages import EMBED_BATCH, LocalStages
from qa.chunking import ChunkSettings, chunk_article
from qa.encoders import HashEncoder
from qa.index import BuildSettings, IndexError_
from qa.index_build import build_index
from qa.models import Article, Entity

from .conftest import run_fresh


def test_local_stages_give_each_article_its_passages_and_their_entities() -> None:
    text = "Port news\n\nThe Rotterdam harbour saw 42 ships on Friday. " + "More ships came later. " * 60
    article = Article("a", text, title="Port news")
    known = {"a": (Entity("Rotterdam", text.index("Rotterdam"), text.index("Rotterdam") + 9, "GPE"),)}
    stages = LocalStages(HashEncoder(32), ChunkSettings(max_words=40), ner=False)
    [passages] = stages.prepare([article], known, None)
    assert [(c.start, c.end) for c in passages] == [
        (c.start, c.end) for c in chunk_article(article, ChunkSettings(max_words=40))
    ]
    assert len(passages) > 1 and passages[0].entities == known["a"] and not passages[-1].entities
    ticks: list[tuple[str, int, int]] = []
    out = list(stages.embed([["one", "two"], ["three"]], lambda *t: ticks.append(t)))
    assert [v.shape for v in out] == [(2, 32), (1, 32)] and ticks[-1] == ("embedding", 3, 3)


def test_a_build_embeds_in_fixed_batches_in_corpus_order(tmp_path: Path) -> None:
    seen: list[int] = []

    class Counting(HashEncoder):
        def encode(self, texts, batch_size=64):  # type: ignore[no-untyped-def]
            seen.append(len(texts))
            return super().encode(texts, batch_size)

    corpus = tmp_path / "c"
    corpus.mkdir()
    for i in range(40):
        (corpus / f"{i}.txt").write_text(f"Story {i}\n\n" + " ".join(f"Line {j} of {i}." for j in range(120)))
    built = build_index(
        corpus, tmp_path / "i", BuildSettings(encoder="hash-32", ner=False), encoder=Counting(32)
    )
    n = len(built.chunks)
    assert n > EMBED_BATCH and seen == [EMBED_BATCH] * (n // EMBED_BATCH) + (
        [n % EMBED_BATCH] if n % EMBED_BATCH else []
    )


def test_a_ray_build_without_the_extra_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.ray_build import RayStages

    monkeypatch.setitem(sys.modules, "ray", None)  # as if ray were not installed
    stages = RayStages("local", "hash-32", ChunkSettings(), ner=False)
    with pytest.raises(IndexError_, match=r"pip install -e '\.\[scale\]'"):
        stages.prepare([Article("a", "Some text.")], {}, None)


def test_a_build_without_ray_never_imports_it(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Port news\n\nThe harbour saw 42 ships on Friday.", "utf-8")
    code = (
        "import sys; from qa.index import BuildSettings; from qa.index_build import build_index; "
        f"build_index({str(corpus)!r}, {str(tmp_path / 'i')!r}, BuildSettings(encoder='hash-32', ner=False)); "
        "print('ray' in sys.modules, 'pymilvus' in sys.modules)"
    )
    assert run_fresh(code) == ["False", "False"]
