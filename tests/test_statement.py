"""The sentence that leads an answer: whole when short, cut to the clauses around the answer when long."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qa.statement import ELLIPSIS, MAX_WORDS, MIN_WORDS, source_marks, statement, trim


def _result(quote: str, answer: str, start: int = 100, citations: int = 1) -> dict:
    a = start + quote.index(answer)
    cite = {"doc_id": "d", "start": start, "end": start + len(quote), "quote": quote,
            "answer_start": a, "answer_end": a + len(answer)}  # fmt: skip
    others = [
        {"doc_id": f"o{i}", "start": 0, "end": 5, "quote": "other", "answer_start": None, "answer_end": None}
        for i in range(citations - 1)
    ]
    return {
        "abstained": False,
        "answer": {"text": answer, "doc_id": "d", "start": a, "end": a + len(answer)},
        "citations": [cite, *others],
    }


def test_a_short_sentence_is_shown_whole_with_the_answer_apart_and_every_source_numbered() -> None:
    quote = "Officials said 1,240 families were moved to shelters on Monday."
    said = statement(_result(quote, "1,240", citations=3))
    assert said is not None and not said.cut
    assert (said.before, said.answer, said.after) == (
        "Officials said ",
        "1,240",
        " families were moved to shelters on Monday.",
    )
    assert said.text == quote and said.sources == (1, 2, 3) and source_marks(said.sources) == "[1][2][3]"


def test_a_long_sentence_is_cut_to_the_clauses_around_the_answer() -> None:
    quote = (
        "After a week of talks that ran late into the night in the capital, and after the unions had twice "
        "walked away from the table, the ministry said that 2,500 workers would return to the mines on "
        "Monday, while the smaller plants in the north would stay closed until the spring, officials added."
    )
    said = statement(_result(quote, "2,500"))
    assert said is not None and said.cut and said.answer == "2,500"
    words = len(said.text.replace(ELLIPSIS, "").split())
    assert MIN_WORDS <= words <= MAX_WORDS
    assert "the ministry said that" in said.before and said.before.startswith(ELLIPSIS)
    assert said.after.endswith(ELLIPSIS) and "workers would return to the mines on Monday" in said.after


def test_no_statement_without_an_answer_or_a_sentence_holding_it() -> None:
    assert statement({"abstained": True, "answer": None, "citations": []}) is None
    r = _result("The port said 42 ships docked.", "42")
    r["citations"][0]["answer_start"] = None
    assert statement(r) is None


words = st.lists(st.sampled_from(["the", "port", "said", "ships", "docked,", "and", "more", "on", "Friday;"]),
                 min_size=1, max_size=70)  # fmt: skip


@given(words, words, st.sampled_from(["42", "1,204", "at least 5,600"]))
def test_the_statement_only_quotes_the_sentence(left: list[str], right: list[str], answer: str) -> None:
    quote = " ".join([*left, answer, *right]) + "."
    said = statement(_result(quote, answer, start=7))
    assert said is not None and said.answer == answer
    shown = said.text.replace(ELLIPSIS, "").strip()
    assert shown in quote  # every word is the article's own, in its order, whole words only
    s, e = trim(quote, quote.index(answer), quote.index(answer) + len(answer))
    assert s <= quote.index(answer) and quote.index(answer) + len(answer) <= e
