from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qa.numbers import find_numbers, parse_number, shown_value

CASES = [
    ("5,600", 5600, None),
    ("5600", 5600, None),
    ("2,962", 2962, None),
    ("10 million", 10_000_000, None),
    ("5.93 mln", 5_930_000, None),
    ("30 percent", 30, "percent"),
    ("30%", 30, "percent"),
    ("30 per cent", 30, "percent"),
    ("five", 5, None),
    ("twenty-one", 21, None),
    ("one hundred and two", 102, None),
    ("a dozen", 12, None),
    ("half", 0.5, "fraction"),
    ("two-thirds", 2 / 3, "fraction"),
    ("$10 million", 10_000_000, "USD"),
    ("10 mln dlrs", 10_000_000, "USD"),
    ("£3.5 billion", 3_500_000_000, "GBP"),
    ("1.5", 1.5, None),
    ("2014", 2014, "year"),
    # Newswire forms: hyphenated currency, hundredths, prices in eighths.
    ("one-billion-dlr", 1_000_000_000, "USD"),
    ("50-mln-dlr", 50_000_000, "USD"),
    ("34 cts", 0.34, "USD"),
    ("75 billion bolivars", 75_000_000_000, "VEB"),  # any currency, not only dollars, pounds, euros, yen
    ("3 million pesos", 3_000_000, "PESO"),
    ("40 pence", 0.4, "GBP"),
    ("1/8", 0.125, None),
    ("12-3/4", 12.75, None),
]


def test_dates_and_other_slashes_are_not_fractions() -> None:
    assert [s.text for s in find_numbers("on 4/7/87 and after 9/11")] == ["4", "7", "87", "9", "11"]


@pytest.mark.parametrize(("text", "value", "unit"), CASES)
def test_parse_number_table(text: str, value: float, unit: str | None) -> None:
    parsed = parse_number(text)
    assert parsed is not None, text
    assert parsed[0] == pytest.approx(value)
    assert parsed[1] == unit


def test_numbers_in_context_keep_offsets_and_hedges() -> None:
    text = "At least 5,600 citizens of 33 countries; anther nearly 3000 people; 2,962 from Tunisia."
    spans = find_numbers(text)
    assert [(s.text, s.value) for s in spans] == [
        ("5,600", 5600),
        ("33", 33),
        ("3000", 3000),
        ("2,962", 2962),
    ]
    assert spans[0].qualifier == "at least" and spans[2].qualifier == "nearly"
    for s in spans:
        assert text[s.start : s.end] == s.text


def test_separator_never_splits_a_number() -> None:
    assert [s.value for s in find_numbers("from 2,962 to 2,926")] == [2962, 2926]


def test_year_versus_count() -> None:
    spans = {
        s.text: s.unit for s in find_numbers("in 2014 on territories; nearly 3000 people; in late 2015.")
    }
    assert spans == {"2014": "year", "3000": None, "2015": "year"}


def test_dates_are_one_span() -> None:
    spans = find_numbers("It proclaimed it in June 2014, and the report is dated 2017-10-24.")
    assert [(s.text, s.unit) for s in spans] == [("June 2014", "date"), ("2017-10-24", "date")]


@pytest.mark.parametrize("text", ["October 1, 2017", "October 1 , 2017", "1st October , 2017", "Oct. 1 2017"])
def test_a_date_with_a_spaced_comma_is_still_one_span(text: str) -> None:
    spans = find_numbers(f"It opened on {text} in Leeds.")
    assert [(s.text, s.unit, s.value) for s in spans] == [(text, "date", 2017.0)]


def test_pronoun_one_is_not_a_figure() -> None:
    assert find_numbers("one of the fighters") == []


@given(st.text(max_size=300))
def test_offsets_quote_any_text(text: str) -> None:
    for s in find_numbers(text):
        assert text[s.start : s.end] == s.text
        assert s.start < s.end


@given(st.integers(min_value=0, max_value=10**12))
def test_formatted_integers_round_trip(n: int) -> None:
    for text in (f"{n:,}", str(n)):
        parsed = parse_number(f"{text} units" if 1800 <= n <= 2100 else text)
        assert parsed is not None and parsed[0] == n


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False).map(lambda x: round(x, 2)))
def test_percentages_round_trip(x: float) -> None:
    parsed = parse_number(f"{x} percent")
    assert parsed is not None and parsed == (pytest.approx(x), "percent")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("10 million", "10,000,000"),
        ("five", "5"),
        ("at least 5,600", ""),  # the text already says it
        ("30 percent", ""),
        ("1.5 million", "1,500,000"),
        ("June 2014", ""),
    ],
)
def test_shown_value_adds_only_what_the_text_does_not_say(text: str, shown: str) -> None:
    span = find_numbers(text)[0]
    assert shown_value(span.value, span.unit, text) == shown


def test_shown_value_of_a_range_gives_both_ends() -> None:
    assert shown_value(12e6, None, "12 to 18 million", 18e6) == "12,000,000–18,000,000"
    assert shown_value(30, "percent", "30–60%", 60) == "30–60 percent"
    assert shown_value(1990, "year", "from 1990 to 1995", 1995) == "1990–1995"
