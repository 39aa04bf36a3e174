"""The training pieces that decide what the reader learns: groups of windows and the shared-norm loss."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qa.training.data import grouped_examples, groups_of  # noqa: E402
from qa.training.loop import shared_norm_loss  # noqa: E402
from qa.training.model import init_from_onnx  # noqa: E402
from qa.training.settings import TrainSettings  # noqa: E402


def _logits(rows: list[list[float]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float32)


def test_shared_norm_compares_windows_by_span_minus_no_answer() -> None:
    """A distractor's high span costs little when its own "no answer" is higher still."""
    ctx = torch.tensor([[False, True, True, True]] * 2)
    gold = torch.tensor([2, 0])  # the answer's window first; the distractor's label is [CLS]
    answer = [0.0, 0.0, 5.0, 0.0]
    abstaining = _logits([answer, [9.0, 0.0, 8.0, 0.0]])  # distractor span 8 < its null 9
    confident = _logits([answer, [0.0, 0.0, 8.0, 0.0]])  # distractor span 8 > its null 0
    low = shared_norm_loss(abstaining, abstaining, ctx, 2, gold, gold)
    high = shared_norm_loss(confident, confident, ctx, 2, gold, gold)
    assert float(low) < 0.1 < float(high)


def test_shared_norm_ignores_question_tokens() -> None:
    """Only passage tokens (and each [CLS]) compete: a high logit on a question token changes nothing."""
    ctx = torch.tensor([[False, False, True, True]] * 2)
    gold = torch.tensor([3, 0])
    base = _logits([[0.0, 0.0, 0.0, 4.0], [0.0, 0.0, 1.0, 0.0]])
    noisy = base.clone()
    noisy[1, 1] = 50.0
    a = shared_norm_loss(base, base, ctx, 2, gold, gold)
    b = shared_norm_loss(noisy, noisy, ctx, 2, gold, gold)
    assert float(a) == pytest.approx(float(b))


def test_groups_keep_the_answer_first_and_drop_a_cut_answer() -> None:
    examples = [
        {"group": 0, "answer": {"text": "x"}},
        {"group": 0, "answer": None},
        {"group": 1, "answer": {"text": "y"}},
        {"group": 1, "answer": None},
    ]
    feats = [
        {"example": 0, "start": 5},
        {"example": 1, "start": 0},
        {"example": 2, "start": 0},  # the answer fell outside its window: no clean label
        {"example": 3, "start": 0},
    ]
    assert groups_of(feats, examples, 2) == [[0, 1]]


def test_distractors_never_hold_the_answer() -> None:
    paragraphs = [
        "The bridge opened in 1932 after six years of work.",
        "The bridge was painted red in 1950.",
        "A bridge in another city opened in 1932 too.",
        "Bridges in that city opened late, the council said.",
        "The museum opened in 1901.",
    ]
    owner = [0, 0, 1, 2, 3]
    question = {
        "question": "When did the bridge open?",
        "context": paragraphs[0],
        "answer": {"answer_start": 22, "text": "1932"},
        "answers": ["1932"],
        "article": 0,
        "paragraph": 0,
    }
    out = grouped_examples([question], paragraphs, owner, TrainSettings(group_size=3), random.Random(1))
    assert len(out) == 3 and out[0]["answer"] is not None
    distractors = [e["context"] for e in out[1:]]
    assert paragraphs[1] in distractors  # the other paragraph of its own article
    assert all("1932" not in c for c in distractors)
    assert {e["group"] for e in out} == {0}


@pytest.mark.model
def test_a_shipped_reader_loads_back_into_torch() -> None:
    """Training can start from the shipped int8 graph: the dequantized weights give the graph's logits."""
    import onnxruntime as ort
    from transformers import AutoTokenizer

    from qa.encoders import packaged_model_dir
    from qa.span_reader import MODEL_DIR
    from qa.training.model import build_model

    model = build_model()
    init_from_onnx(model, MODEL_DIR / "reader-int8.onnx")
    model.eval()
    tok = AutoTokenizer.from_pretrained(str(packaged_model_dir()), local_files_only=True)
    enc = tok(["When did the bridge open?"], ["The bridge opened in 1932."], return_tensors="pt")
    with torch.no_grad():
        start, _ = model(enc["input_ids"], enc["token_type_ids"], enc["attention_mask"])
        embeds = model.encoder.embeddings.word_embeddings(enc["input_ids"]).numpy()
    session = ort.InferenceSession(str(MODEL_DIR / "reader-int8.onnx"), providers=["CPUExecutionProvider"])
    feeds = {
        "embeds": embeds,
        "attention_mask": enc["attention_mask"].numpy(),
        "token_type_ids": enc["token_type_ids"].numpy(),
    }
    graph_start = session.run(None, feeds)[0]
    assert int(np.argmax(start.numpy()[0])) == int(np.argmax(graph_start[0]))
    assert np.abs(start.numpy() - graph_start).max() < 1.0  # int8 activations differ; a wrong map would not


@pytest.mark.model
def test_an_average_with_itself_is_the_same_reader(tmp_path: Path) -> None:
    from qa.span_reader import MODEL_DIR
    from qa.training.model import average, build_model

    model = build_model()
    init_from_onnx(model, MODEL_DIR)  # the reader's folder names its int8 graph
    run = tmp_path / "run"
    run.mkdir()
    kept = {k: v for k, v in model.state_dict().items() if not k.startswith("encoder.embeddings.")}
    torch.save({k: v * 3 for k, v in kept.items()}, run / "reader.pt")
    (run / "settings.json").write_text("{}")
    average(MODEL_DIR / "reader-int8.onnx", run, tmp_path / "mix", share=0.25)
    mixed = torch.load(tmp_path / "mix" / "reader.pt", weights_only=True)
    name = "encoder.encoder.layer.0.attention.self.query.weight"
    assert torch.allclose(mixed[name], kept[name] * 1.5, atol=1e-5)  # 0.25 * 3w + 0.75 * w


@pytest.mark.model
def test_a_file_without_the_weights_is_refused(tmp_path: Path) -> None:
    import onnx
    from onnx import helper

    graph = helper.make_graph([], "empty", [], [])
    path = tmp_path / "empty.onnx"
    onnx.save(helper.make_model(graph), str(path))
    from qa.training.model import build_model

    with pytest.raises(SystemExit, match="does not hold"):
        init_from_onnx(build_model(), path)


def test_the_device_falls_back_to_the_cpu_and_refuses_what_it_cannot_use() -> None:
    from qa.training.loop import pick_device

    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device("auto").type == expected
    assert pick_device("cpu").type == "cpu"
    with pytest.raises(SystemExit, match="unknown device"):
        pick_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit, match="no CUDA GPU"):
            pick_device("cuda")


def _example(question: str, context: str, answer: str) -> dict:
    start = context.index(answer)
    return {"question": question, "context": context, "answer": {"answer_start": start, "text": answer}}


def test_a_decoy_copies_the_answer_sentence_with_another_answer_and_name() -> None:
    from qa.training.data import decoy

    ex = _example(
        "How many families returned to Oakridge?",
        "The report came out on Monday. It said 310 families returned to Oakridge. Officials were worried.",
        "310",
    )
    placed = set()
    for seed in range(8):
        d = decoy(ex, "1,240", "Millbrook", random.Random(seed))
        assert d is not None
        a = d["answer"]["answer_start"]
        assert d["context"][a : a + 3] == "310"  # the label still points at the answer
        assert "It said 1,240 families returned to Millbrook." in d["context"]
        assert d["context"].count("returned to Oakridge") == 1  # the question's name stays with the answer
        placed.add(d["context"].index("1,240") < a)
    assert placed == {True, False}  # before and after the answer's sentence


def test_no_decoy_without_a_name_the_question_shares() -> None:
    from qa.training.data import decoy, with_decoys

    ex = _example("How many families returned?", "It said 310 families returned to Oakridge. The end.", "310")
    assert decoy(ex, "1,240", "Millbrook", random.Random(0)) is None
    negative = {"question": "Who?", "context": "Nothing here.", "answer": None}
    assert with_decoys([ex, negative], 1.0, random.Random(0)) == [ex, negative]


def test_several_training_files_are_read_as_one_set(tmp_path: Path) -> None:
    import gzip
    import json

    from qa.training.data import load_examples

    def write(name: str, source: str, titles: list[str]) -> Path:
        arts = [
            {"title": t, "source": source, "paragraphs": [{"context": f"{t} has 40 boats.",
             "qas": [{"id": f"{source}-{t}", "question": f"How many boats does {t} have?",
                      "answers": [{"text": "40", "answer_start": len(t) + 5}]}]}]}
            for t in titles
        ]  # fmt: skip
        path = tmp_path / f"{name}.json.gz"
        with gzip.open(path, "wt") as fh:
            json.dump({"data": arts}, fh)
        return path

    a = write("a", "one", [f"Town{i}" for i in range(30)])
    b = write("b", "two", [f"City{i}" for i in range(30)])
    st = TrainSettings(same_article_negatives=0.0, bm25_negatives=0.0, dev_fraction=0.2)
    train, dev, paragraphs, _ = load_examples([a, b], st)
    ids = {e["id"] for e in train + dev}
    assert len(paragraphs) == 60 and len(ids) == 60
    assert {"one", "two"} == {i.split("-")[0] for i in ids}
    assert dev and train  # each file's articles held out by the same rule
    one_train, one_dev, _, _ = load_examples(a, st)  # one path still works
    assert {e["id"] for e in one_train + one_dev} == {i for i in ids if i.startswith("one")}
