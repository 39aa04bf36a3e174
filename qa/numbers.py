"""Find numeric expressions in text and normalise them to values, with exact character offsets.

General English number knowledge only: digits with thousands separators, decimals, scale words
("10 million", "5.93 mln"), number words ("five", "twenty-one", "a dozen"), fractions ("half"),
percentages, currencies, years and calendar dates.
"""

from __future__ import annotations

import re

from qa.models import Span

UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALE_WORDS = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "mln": 1e6, "mn": 1e6, "billion": 1e9, "bln": 1e9,
    "bn": 1e9, "trillion": 1e12, "trln": 1e12,
}  # fmt: skip
FRACTION_WORDS = {
    "half": 0.5, "one-half": 0.5, "one third": 1 / 3, "a third": 1 / 3, "one-third": 1 / 3,
    "two-thirds": 2 / 3, "two thirds": 2 / 3, "a quarter": 0.25, "one quarter": 0.25,
    "one-quarter": 0.25, "three-quarters": 0.75, "three quarters": 0.75,
}  # fmt: skip
DOZEN = {"a dozen": 12, "dozen": 12}
MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
    "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY"}
CURRENCY_WORDS = {
    "dollars": "USD", "dollar": "USD", "dlrs": "USD", "dlr": "USD", "usd": "USD", "euros": "EUR",
    "euro": "EUR", "pounds": "GBP", "sterling": "GBP", "yen": "JPY", "francs": "CHF", "marks": "DEM",
    # Currencies named by several countries keep their name as the unit ("pesos" -> PESO).
    "bolivars": "VEB", "bolivar": "VEB", "pesos": "PESO", "peso": "PESO", "rupees": "RUPEE", "rupee": "RUPEE",
    "yuan": "CNY", "renminbi": "CNY", "rand": "ZAR", "lire": "ITL", "lira": "LIRA", "kroner": "KRONE",
    "krone": "KRONE", "kronor": "SEK", "krona": "SEK", "crowns": "CROWN", "riyals": "RIYAL",
    "riyal": "RIYAL", "dinars": "DINAR", "dinar": "DINAR", "shekels": "ILS", "roubles": "RUB", "rubles": "RUB",
    "zlotys": "PLN", "zloty": "PLN", "baht": "THB", "ringgit": "MYR", "naira": "NGN", "guilders": "NLG",
    "schillings": "ATS", "escudos": "PTE", "pesetas": "ESP", "drachmas": "GRD", "rupiah": "IDR", "forint": "HUF",
    "dirhams": "DIRHAM", "shillings": "SHILLING", "cruzados": "BRC", "australs": "ARA",
}  # fmt: skip
# Hundredths of a currency: "34 cts a share" is 0.34 dollars.
CENT_WORDS = {"cts": "USD", "cents": "USD", "cent": "USD", "pence": "GBP"}
CURRENCIES = frozenset([*CURRENCY_WORDS.values(), *CURRENCY_SYMBOLS.values(), *CENT_WORDS.values()])
PERCENT_WORDS = ("percent", "per cent", "pct", "%", "percentage points")
HEDGES = (
    "at least", "at most", "more than", "less than", "fewer than", "nearly", "almost", "about", "around",
    "approximately", "roughly", "some", "over", "under", "up to", "an estimated", "as many as",
    "close to", "closer to", "just over", "just under", "only", "estimated",
)  # fmt: skip

# Hedges that bound a figure rather than estimate it: "more than 3,000" allows 3,244; "about 3,000" does not.
LOWER_BOUNDS = frozenset({"more than", "over", "at least", "just over", "as many as"})
UPPER_BOUNDS = frozenset({"less than", "fewer than", "under", "at most", "up to", "just under"})

_WORD_NUM = "|".join(sorted([*UNITS_WORDS, *TENS_WORDS], key=len, reverse=True))
_SCALE = "|".join(sorted(SCALE_WORDS, key=len, reverse=True))
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_CUR_SYM = r"(?:US\$|\$|£|€|¥)"
_CUR_WORD = "|".join(sorted([*CURRENCY_WORDS, *CENT_WORDS], key=len, reverse=True))
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# Dates first: they contain numbers that must not be read as counts.
_DATE_RE = re.compile(
    rf"\b(?:\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\s*,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\.?\s*,?\s+\d{{4}}"
    rf"|(?:{_MONTH})\.?\s+\d{{4}}"
    rf"|(?:{_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_NUM_RE = re.compile(
    rf"(?P<cur>{_CUR_SYM}\s?)?"
    rf"(?<![\w.,])(?P<num>{_DIGITS})(?![\w]|,\d|\.\d)"
    rf"(?P<scale>[\s-]+(?:{_SCALE})\b)?"
    rf"(?P<tail>\s*(?:%|percent\b|per\s+cent\b|pct\b|percentage\s+points?\b)"
    rf"|[\s-]+(?:{_CUR_WORD})\b)?",
    re.IGNORECASE,
)
# Market prices in eighths and sixteenths: "down 1/8", "12-3/4" (not dates like 4/7/87, not "9/11").
_SLASH_FRACTION_RE = re.compile(
    r"(?<![\w/.,])(?:(?P<whole>\d{1,4})[\s-])?(?P<n>\d{1,2})/(?P<d>2|3|4|8|16|32|64)(?![\w/]|\.\d)"
)
_WORDS_RE = re.compile(
    rf"\b(?P<num>(?:(?:{_WORD_NUM})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD_NUM}|{_SCALE}))*)|a\s+dozen|dozen)\b"
    rf"(?P<tail>\s*(?:%|percent\b|per\s+cent\b)|[\s-]+(?:{_CUR_WORD})\b)?",
    re.IGNORECASE,
)
_FRACTION_RE = re.compile(
    r"\b(?:one-half|half|one[\s-]third|a\s+third|two[\s-]thirds|a\s+quarter|one[\s-]quarter|three[\s-]quarters)\b",
    re.IGNORECASE,
)
_HEDGE_RE = re.compile(rf"\b({'|'.join(re.escape(h) for h in HEDGES)})\s+(?:the\s+)?$", re.IGNORECASE)
# Words that may follow a bare year without making it a count ("in 2014 on territories").
_YEAR_FOLLOWERS = frozenset(
    [
        "on",
        "in",
        "at",
        "to",
        "and",
        "or",
        "but",
        "as",
        "when",
        "after",
        "before",
        "by",
        "from",
        "the",
        "a",
        "an",
        "was",
        "were",
        "is",
        "had",
        "has",
        "of",
        "that",
        "which",
        "with",
        "for",
        "since",
        "until",
        "while",
    ]
)


def parse_number(text: str) -> tuple[float, str | None] | None:
    """Parse a whole numeric expression ("5,600", "10 million", "30 percent", "five") to (value, unit)."""
    spans = [s for s in find_numbers(text.strip()) if s.value is not None]
    if len(spans) != 1:
        return None
    return spans[0].value, spans[0].unit  # type: ignore[return-value]


def _words_value(words: str) -> float | None:
    total, current = 0.0, 0.0
    seen = False
    for token in re.split(r"[\s-]+", words.lower()):
        if token == "and" or not token:
            continue
        if token in UNITS_WORDS:
            current += UNITS_WORDS[token]
        elif token in TENS_WORDS:
            current += TENS_WORDS[token]
        elif token in SCALE_WORDS:
            scale = SCALE_WORDS[token]
            if scale == 100:
                current = (current or 1) * scale
            else:
                total += (current or 1) * scale
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def _hedge(text: str, start: int) -> str | None:
    m = _HEDGE_RE.search(text[max(0, start - 24) : start])
    return m.group(1).lower() if m else None


def _cents(tail: str | None) -> str | None:
    """The currency of a figure given in its hundredths ("34 cts"), if it is one."""
    return CENT_WORDS.get(tail.strip(" -").lower()) if tail else None


def _tail_unit(tail: str | None) -> str | None:
    if not tail:
        return None
    t = tail.strip(" -\t\n").lower()
    if t.startswith(("%", "percent", "per ", "pct")):
        return "percent" if "point" not in t else "percentage points"
    return CURRENCY_WORDS.get(t)


def _is_year(text: str, m: re.Match[str]) -> bool:
    raw = m.group("num")
    if not re.fullmatch(r"\d{4}", raw) or not 1800 <= int(raw) <= 2100 or m.group("scale") or m.group("tail"):
        return False
    following = re.match(r"\s*([A-Za-z]+)", text[m.end() :])
    # "3000 people" counts people; "in 2014 on territories" and "2014." are years.
    return (
        following is None or following.group(1).lower() in _YEAR_FOLLOWERS or following.group(1)[0].isupper()
    )


def find_numbers(text: str) -> list[Span]:
    """All numeric spans in ``text``, in order, non-overlapping, offsets exact."""
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(span: Span) -> None:
        spans.append(span)
        taken.append((span.start, span.end))

    for m in _DATE_RE.finditer(text):
        year = re.search(r"\d{4}", m.group(0))
        add(Span(m.group(0), m.start(), m.end(), float(year.group(0)) if year else None, "date"))

    for m in _SLASH_FRACTION_RE.finditer(text):
        n, d = int(m.group("n")), int(m.group("d"))
        if 0 < n < d:
            add(
                Span(
                    m.group(0),
                    m.start(),
                    m.end(),
                    float(m.group("whole") or 0) + n / d,
                    None,
                    _hedge(text, m.start()),
                )
            )

    for m in _NUM_RE.finditer(text):
        start = m.start("cur") if m.group("cur") else m.start("num")
        end = m.end()
        if not free(start, end):
            continue
        value = float(m.group("num").replace(",", ""))
        if m.group("scale"):
            value *= SCALE_WORDS[re.sub(r"[\s-]", "", m.group("scale")).lower()]
        unit = _tail_unit(m.group("tail"))
        if unit is None and (cents := _cents(m.group("tail"))):
            value, unit = value / 100, cents
        if m.group("cur"):
            unit = CURRENCY_SYMBOLS.get(m.group("cur").strip(), "USD")
        elif unit is None and _is_year(text, m):
            unit = "year"
        add(Span(text[start:end], start, end, value, unit, _hedge(text, start)))

    for m in _FRACTION_RE.finditer(text):
        if free(m.start(), m.end()):
            key = re.sub(r"\s+", " ", m.group(0).lower())
            value = FRACTION_WORDS.get(key, FRACTION_WORDS.get(key.replace(" ", "-")))
            add(Span(m.group(0), m.start(), m.end(), value, "fraction", _hedge(text, m.start())))

    for m in _WORDS_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        raw = m.group("num")
        # "one" alone is usually a pronoun ("one of the"), not a figure.
        if raw.lower() == "one":
            continue
        value = DOZEN.get(raw.lower()) or _words_value(raw)
        if value is None:
            continue
        unit = _tail_unit(m.group("tail"))
        if unit is None and (cents := _cents(m.group("tail"))):
            value, unit = value / 100, cents
        add(Span(m.group(0), m.start(), m.end(), value, unit, _hedge(text, m.start())))

    spans.sort(key=lambda s: s.start)
    return spans


def values_equal(a: float | None, b: float | None, rel: float = 1e-6) -> bool:
    if a is None or b is None:
        return False
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def percent_value(span_value: float, unit: str | None) -> float:
    """Fractions and percentages on one scale: "half" == "50 percent"."""
    return span_value * 100 if unit == "fraction" else span_value


def shown_value(value: float | None, unit: str | None, text: str = "", upper: float | None = None) -> str:
    """A parsed value as a person reads it ("10,000,000", "2.5 percent", "2017", a range "12–18"); empty
    when there is no value or when ``text`` already says it ("at least 5,600" needs no "= 5,600")."""
    if value is None:
        return ""

    def number(v: float) -> str:
        if unit in ("year", "date"):
            return f"{v:g}"
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.6g}"

    shown = number(value) if upper is None else f"{number(value)}–{number(upper)}"
    if unit and unit not in ("year", "date"):
        shown = f"{shown} {unit}"
    return "" if shown in text else shown
