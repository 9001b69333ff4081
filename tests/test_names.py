"""Tests for refcheck.names: matching keys, dictionaries and author-list parsing."""

from __future__ import annotations

import time

import pytest

from refcheck.model import Name, Span
from refcheck.names import PARTICLES, is_family_name, is_given_name, name_key, parse_names


def people(text: str, family_first: bool | None = None) -> list[tuple[str, str, str]]:
    return [(n.family, n.given, n.particle) for n in parse_names(text, 0, family_first)]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("O’Neill", "oneill"),
        ("Müller", "muller"),
        ("Holmes", "holmes"),
        ("Holmes's", "holmes"),
        ("van der Berg", "berg"),
        ("Van", "van"),
        ("Nguyễn", "nguyen"),
        ("Müller-Lüdenscheidt", "mullerludenscheidt"),
    ],
)
def test_name_key(text: str, key: str) -> None:
    assert name_key(text) == key


def test_particles_are_lower_case_phrases() -> None:
    assert {"van", "von", "de la", "van der", "ter"} <= PARTICLES
    assert all(p == p.lower() for p in PARTICLES)


@pytest.mark.parametrize("word", ["Kate", "kate", "Jean-Paul", "J.", "J", "JA", "J.-P.", "Sébastien", "Seán"])
def test_given_names(word: str) -> None:
    assert is_given_name(word)


@pytest.mark.parametrize("word", ["Lyons", "Weaver", "Routledge", ""])
def test_not_given_names(word: str) -> None:
    assert not is_given_name(word)


@pytest.mark.parametrize("word", ["Kim", "Lee", "Park", "Nguyen", "Nguyễn", "Tanaka", "Müller", "smith"])
def test_family_names(word: str) -> None:
    assert is_family_name(word)


def test_seed_style_mixed_orders() -> None:
    names = parse_names("Diamond, Jeremy., Mallory Allie, Phillip, Abby", 0, True)
    assert [(n.family, n.given, n.order) for n in names] == [
        ("Diamond", "Jeremy", "family-comma"),
        ("Mallory", "Allie", "family-first"),
        ("Phillip", "Abby", "family-comma"),
    ]


def test_known_family_name_last_reads_given_first() -> None:
    names = parse_names("Denyer, Simon and Min Joo Kim")
    assert [(n.family, n.given, n.order) for n in names] == [
        ("Denyer", "Simon", "family-comma"),
        ("Kim", "Min Joo", "given-first"),
    ]


def test_known_given_name_last_reads_family_first() -> None:
    assert people("Lyons Kate, Weaver Matthew and Hass, Benjamin") == [
        ("Lyons", "Kate", ""),
        ("Weaver", "Matthew", ""),
        ("Hass", "Benjamin", ""),
    ]


def test_two_unknown_words_follow_the_prevailing_order() -> None:
    assert people("Quarrington Zell", family_first=True) == [("Quarrington", "Zell", "")]
    assert people("Quarrington Zell", family_first=False) == [("Zell", "Quarrington", "")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Smith, J. A., Jones, B., & Brown, C.", [("Smith", "J. A."), ("Jones", "B."), ("Brown", "C.")]),
        ("J. Smith, A. Jones, and B. Brown", [("Smith", "J."), ("Jones", "A."), ("Brown", "B.")]),
        ("Smith J, Jones AB, Brown C", [("Smith", "J"), ("Jones", "AB"), ("Brown", "C")]),
        ("Smith, John, and Mary Jones", [("Smith", "John"), ("Jones", "Mary")]),
        ("Müller, Hans und Schmidt, Peter", [("Müller", "Hans"), ("Schmidt", "Peter")]),
        ("Dupont, Jean et Martin, Marie", [("Dupont", "Jean"), ("Martin", "Marie")]),
        ("García, J. y López, M.", [("García", "J."), ("López", "M.")]),
        ("Valdés y Ortega, R.", [("Valdés y Ortega", "R.")]),
        ("Costa, A. e Silva, B.", [("Costa", "A."), ("Silva", "B.")]),
        ("Jansen, K. en Bakker, L.", [("Jansen", "K."), ("Bakker", "L.")]),
        ("DUPONT J., MARTIN M.", [("DUPONT", "J."), ("MARTIN", "M.")]),
        ("Smith, J.-P., Li, X.", [("Smith", "J.-P."), ("Li", "X.")]),
        ("García Márquez, Gabriel", [("García Márquez", "Gabriel")]),
        ("Ó Súilleabháin, Seán", [("Ó Súilleabháin", "Seán")]),
        ("Seán Ó Súilleabháin", [("Ó Súilleabháin", "Seán")]),
        ("Nguyễn, Văn An", [("Nguyễn", "Văn An")]),
        ("Jean-Paul Sartre", [("Sartre", "Jean-Paul")]),
    ],
)
def test_lists(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(n.family, n.given) for n in parse_names(text)] == expected


def test_particles() -> None:
    assert people("van der Berg, Jan and de la Cruz, María") == [
        ("Berg", "Jan", "van der"),
        ("Cruz", "María", "de la"),
    ]
    assert people("Ludwig van Beethoven") == [("Beethoven", "Ludwig", "van")]
    assert people("Beethoven, Ludwig van") == [("Beethoven", "Ludwig", "van")]
    assert people("van der Berg J") == [("Berg", "J", "van der")]


def test_suffixes() -> None:
    (king,) = parse_names("King, Martin Luther, Jr.")
    assert (king.family, king.given, king.suffix) == ("King", "Martin Luther", "Jr.")
    smith, jones = parse_names("Smith, A. B., III, & Jones, C.")
    assert (smith.family, smith.suffix, jones.family) == ("Smith", "III", "Jones")
    (davis,) = parse_names("Sammy Davis Jr.")
    assert (davis.family, davis.given, davis.suffix) == ("Davis", "Sammy", "Jr.")


@pytest.mark.parametrize(
    "text",
    ["World Health Organization", "UNESCO", "Department of Health and Social Care", "The Washington Post"],
)
def test_organisations_are_literal(text: str) -> None:
    assert parse_names(text) == (Name(literal=text),)
    assert parse_names(text)[0].order == "literal"


def test_organisation_among_people() -> None:
    names = parse_names("Okafor, C. and World Bank")
    assert [(n.family, n.literal) for n in names] == [("Okafor", ""), ("", "World Bank")]


def test_et_al_stops_the_list() -> None:
    assert people("Smith J, Jones A, et al.") == [("Smith", "J", ""), ("Jones", "A", "")]
    assert people("Smith, J. et al") == [("Smith", "J.", "")]


def test_editor_marker_is_dropped() -> None:
    assert people("Okafor, C. and Brennan, T. (eds)") == [("Okafor", "C.", ""), ("Brennan", "T.", "")]
    assert people("R. Haldane & P. Osei (Eds.)") == [("Haldane", "R.", ""), ("Osei", "P.", "")]


def test_spans_are_absolute() -> None:
    text = "Denyer, Simon and Min Joo Kim"
    names = parse_names(text, offset=100)
    assert names[0].span == Span(100, 113)
    assert names[1].span == Span(118, 129)
    assert "Min Joo Kim" == text[names[1].span.start - 100 : names[1].span.end - 100]


def test_empty_and_junk() -> None:
    assert parse_names("") == ()
    assert parse_names(" , ; and & ") == ()
    parse_names("1234, (((, ]]]")


@pytest.mark.parametrize(
    "text",
    [
        "," * 100_000,
        "Smith " * 20_000,
        "Smith, " * 20_000,
        "x" * 1_000_000,
        "J. " * 30_000,
        "and " * 25_000,
    ],
)
def test_pathological_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    parse_names(text)
    assert time.perf_counter() - started < 2.0
