"""Dates in the forms people write them."""

import time

import pytest

from refcheck.dates import find_dates, parse_date, same_date
from refcheck.model import Date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018", "2018"),
        ("2019a", "2019a"),
        ("September 20th 2018", "2018-09-20"),
        ("20th September 2018", "2018-09-20"),
        ("March 13th, 2018", "2018-03-13"),
        ("24 Sept. 2018", "2018-09-24"),
        ("24 Sep 2018", "2018-09-24"),
        ("2018-09-20", "2018-09-20"),
        ("2018, September 20", "2018-09-20"),
        ("2019, May", "2019-05"),
        ("June 2018", "2018-06"),
        ("n.d.", "n.d."),
        ("n. d.", "n.d."),
        ("in press", "in press"),
        ("20. September 2018", "2018-09-20"),
        ("3. März 2020", "2020-03-03"),
        ("1er août 2018", "2018-08-01"),
        ("20 de septiembre de 2018", "2018-09-20"),
        ("12 dicembre 2017", "2017-12-12"),
        ("5 de março de 2021", "2021-03-05"),
        ("7 januari 2016", "2016-01-07"),
    ],
)
def test_parse_date(text: str, expected: str) -> None:
    date = parse_date(text)
    assert date is not None
    assert str(date) == expected


@pytest.mark.parametrize("text", ["", "see above", "1066", "2018-2019", "p. 2018x9", "May"])
def test_not_a_date(text: str) -> None:
    assert parse_date(text) is None


def test_find_dates_prefers_the_longest_form() -> None:
    text = "Denyer, 20th September 2018: Denyer and Gearan, 19th September 2018"
    found = [(text[s.start : s.end], str(d)) for s, d in find_dates(text)]
    assert found == [("20th September 2018", "2018-09-20"), ("19th September 2018", "2018-09-19")]


def test_month_with_comma_is_a_name_and_a_year() -> None:
    # "(May, 2019)" cites an author called May.
    assert [str(d) for _, d in find_dates("May, 2019")] == ["2019"]


def test_a_year_glued_to_a_day_is_no_date() -> None:
    # "März201912" is not the 20th of March 1912: a year never follows a digit directly.
    assert parse_date("März201912") is None
    assert find_dates("seit März201912") == []
    assert [str(d) for _, d in find_dates("March 13 2018")] == ["2018-03-13"]


def test_numbers_that_are_not_years() -> None:
    assert find_dates("pages 1999-2004, doi 10.1000/2018.123, 12/2018") == []


def test_same_date_compares_at_the_shared_precision() -> None:
    assert same_date(Date(2018), Date(2018, 9, 20))
    assert same_date(Date(2018, 9, 20), Date(2018, 9, 20))
    assert not same_date(Date(2018, 9, 19), Date(2018, 9, 20))
    assert not same_date(Date(2019, suffix="a"), Date(2019, suffix="b"))
    assert same_date(Date(2019, suffix="a"), Date(2019))
    assert not same_date(Date(2018), Date(2019))
    assert same_date(Date(literal="n.d."), Date(literal="n.d."))


def test_csl_shape() -> None:
    assert Date(2018, 9, 20).to_csl() == {"date-parts": [[2018, 9, 20]]}
    assert Date(2018).to_csl() == {"date-parts": [[2018]]}
    assert Date(literal="n.d.").to_csl() == {"literal": "n.d."}


@pytest.mark.parametrize(
    "hostile",
    ["9" * 100_000, "September " * 10_000, "20th " * 20_000, "1999-" * 20_000, "n." * 50_000],
)
def test_linear_on_hostile_input(hostile: str) -> None:
    start = time.perf_counter()
    find_dates(hostile)
    assert time.perf_counter() - start < 2.0  # a hang guard, not a benchmark
