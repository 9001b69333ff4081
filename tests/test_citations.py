"""In-text citations: author-date, narrative and numeric, and what is not a citation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.citations import _dates_in, find_citations
from refcheck.dates import find_dates
from refcheck.model import Citation, CitationKind, Span

SEED = Path(__file__).parents[2] / "shared" / "seeds" / "000_169b074b60e7a565.txt"


def _view(cite: Citation) -> dict[str, Any]:
    return {
        "text": cite.text,
        "authors": cite.authors,
        "et_al": cite.et_al,
        "date": None if cite.date is None else str(cite.date),
        "locator": cite.locator,
        "prefix": cite.prefix,
        "narrative": cite.narrative,
        "number": cite.number,
        "group": cite.group,
    }


def _check(text: str, expected: list[dict[str, Any]]) -> None:
    found = find_citations(text)
    for cite in found:
        assert text[cite.span.start : cite.span.end] == cite.text
        assert len(cite.authors) == len(cite.author_spans)
        for name, span in zip(cite.authors, cite.author_spans):
            assert " ".join(text[span.start : span.end].split()) == name
        if cite.date_span is not None:
            assert cite.span.start <= cite.date_span.start < cite.date_span.end <= cite.span.end
    views = [_view(c) for c in found]
    assert len(views) == len(expected), views
    for view, want in zip(views, expected):
        assert {k: view[k] for k in want} == want, view


def c(text: str, authors: tuple[str, ...], date: str, **more: Any) -> dict[str, Any]:
    return {"text": text, "authors": authors, "date": date, **more}


def n(text: str, number: int, group: int = 0) -> dict[str, Any]:
    return {"text": text, "number": number, "group": group, "authors": ()}


PARENTHETICAL = [
    ("(Smith, 2019)", [c("Smith, 2019", ("Smith",), "2019", narrative=False, group=0)]),
    ("(Smith 2019)", [c("Smith 2019", ("Smith",), "2019")]),
    (
        "(Smith, 2018; Jones, 2019)",
        [
            c("Smith, 2018", ("Smith",), "2018", group=0),
            c("Jones, 2019", ("Jones",), "2019", group=0),
        ],
    ),
    (
        "(Smith, 2018, 2019a)",
        [c("Smith, 2018", ("Smith",), "2018"), c("2019a", ("Smith",), "2019a")],
    ),
    (
        "(Smith 2018a, b)",
        [c("Smith 2018a", ("Smith",), "2018a"), c("b", ("Smith",), "2018b")],
    ),
    (
        "(Smith and Jones 2018 and 2019)",
        [
            c("Smith and Jones 2018", ("Smith", "Jones"), "2018"),
            c("2019", ("Smith", "Jones"), "2019"),
        ],
    ),
    ("(Smith & Jones, 2019)", [c("Smith & Jones, 2019", ("Smith", "Jones"), "2019")]),
    ("(Müller und Schmidt 2019)", [c("Müller und Schmidt 2019", ("Müller", "Schmidt"), "2019")]),
    ("(Dupont et Durand, 2017)", [c("Dupont et Durand, 2017", ("Dupont", "Durand"), "2017")]),
    ("(García y López, 2016)", [c("García y López, 2016", ("García", "López"), "2016")]),
    (
        "(Lyons, Weaver and Hass, June 12th 2018)",
        [c("Lyons, Weaver and Hass, June 12th 2018", ("Lyons", "Weaver", "Hass"), "2018-06-12")],
    ),
    (
        "(Smith, Jones, & Lee, 2020)",
        [c("Smith, Jones, & Lee, 2020", ("Smith", "Jones", "Lee"), "2020")],
    ),
    ("(Smith et al., 2019)", [c("Smith et al., 2019", ("Smith",), "2019", et_al=True)]),
    ("(Smith et al 2019)", [c("Smith et al 2019", ("Smith",), "2019", et_al=True)]),
    (
        "(Smith et al. 2019, p. 4)",
        [c("Smith et al. 2019, p. 4", ("Smith",), "2019", et_al=True, locator="p. 4")],
    ),
    ("(Smith, 2019, pp. 4–5)", [c("Smith, 2019, pp. 4–5", ("Smith",), "2019", locator="pp. 4–5")]),
    ("(Smith 2019: 45)", [c("Smith 2019: 45", ("Smith",), "2019", locator="45")]),
    ("(Smith 2019, ch. 3)", [c("Smith 2019, ch. 3", ("Smith",), "2019", locator="ch. 3")]),
    ("(Smith 2019, para. 2)", [c("Smith 2019, para. 2", ("Smith",), "2019", locator="para. 2")]),
    (
        "(Smith 2019, paras. 3–4)",
        [c("Smith 2019, paras. 3–4", ("Smith",), "2019", locator="paras. 3–4")],
    ),
    ("(Smith 2019, sec. 2)", [c("Smith 2019, sec. 2", ("Smith",), "2019", locator="sec. 2")]),
    ("(Smith 2019, chap. 1)", [c("Smith 2019, chap. 1", ("Smith",), "2019", locator="chap. 1")]),
    ("(Müller 2019, S. 12)", [c("Müller 2019, S. 12", ("Müller",), "2019", locator="S. 12")]),
    (
        "(Müller 2019, Seite 12)",
        [c("Müller 2019, Seite 12", ("Müller",), "2019", locator="Seite 12")],
    ),
    ("(Smith 2019, fig. 3)", [c("Smith 2019, fig. 3", ("Smith",), "2019", locator="fig. 3")]),
    (
        "(Smith, 2019, pp. 1999–2005)",
        [c("Smith, 2019, pp. 1999–2005", ("Smith",), "2019", locator="pp. 1999–2005")],
    ),
    (
        "(Smith 2019, p. 4; Jones 2020: 7)",
        [
            c("Smith 2019, p. 4", ("Smith",), "2019", locator="p. 4"),
            c("Jones 2020: 7", ("Jones",), "2020", locator="7"),
        ],
    ),
    ("(see Smith, 2019)", [c("Smith, 2019", ("Smith",), "2019", prefix="see")]),
    ("(See Smith, 2019)", [c("Smith, 2019", ("Smith",), "2019", prefix="See")]),
    ("(e.g. Smith, 2019)", [c("Smith, 2019", ("Smith",), "2019", prefix="e.g.")]),
    ("(e.g., Smith, 2019)", [c("Smith, 2019", ("Smith",), "2019", prefix="e.g.")]),
    ("(cf. Smith, 2019)", [c("Smith, 2019", ("Smith",), "2019", prefix="cf.")]),
    ("(i.e. Smith, 2019)", [c("Smith, 2019", ("Smith",), "2019", prefix="i.e.")]),
    (
        "(Smith 2018; see also Jones 2019)",
        [
            c("Smith 2018", ("Smith",), "2018", prefix=""),
            c("Jones 2019", ("Jones",), "2019", prefix="see also"),
        ],
    ),
    ("(UNESCO, 2020)", [c("UNESCO, 2020", ("UNESCO",), "2020")]),
    (
        "(World Health Organization, 2021)",
        [c("World Health Organization, 2021", ("World Health Organization",), "2021")],
    ),
    (
        "(WHO [World Health Organization], 2020)",
        [c("WHO [World Health Organization], 2020", ("WHO [World Health Organization]",), "2020")],
    ),
    ("(Bank of England, 2019)", [c("Bank of England, 2019", ("Bank of England",), "2019")]),
    ("(van der Berg, 2020)", [c("van der Berg, 2020", ("van der Berg",), "2020")]),
    ("(de la Cruz 2019)", [c("de la Cruz 2019", ("de la Cruz",), "2019")]),
    (
        "(O’Brien and McDonald, 2015)",
        [c("O’Brien and McDonald, 2015", ("O’Brien", "McDonald"), "2015")],
    ),
    ("(DeLillo 1985)", [c("DeLillo 1985", ("DeLillo",), "1985")]),
    ("(d’Alembert 1751)", [c("d’Alembert 1751", ("d’Alembert",), "1751")]),
    ("(Иванов, 2015)", [c("Иванов, 2015", ("Иванов",), "2015")]),
    ("(J. Smith, 2019)", [c("J. Smith, 2019", ("Smith",), "2019")]),
    ("(May, 2019)", [c("May, 2019", ("May",), "2019")]),
    ("(Smith, n.d.)", [c("Smith, n.d.", ("Smith",), "n.d.")]),
    ("(Smith, in press)", [c("Smith, in press", ("Smith",), "in press")]),
    ("(Smith, forthcoming)", [c("Smith, forthcoming", ("Smith",), "forthcoming")]),
    ("(Smith, March 13th, 2018)", [c("Smith, March 13th, 2018", ("Smith",), "2018-03-13")]),
    ("(Smith, 20th September 2018)", [c("Smith, 20th September 2018", ("Smith",), "2018-09-20")]),
    ("(Smith, September 20th 2018)", [c("Smith, September 20th 2018", ("Smith",), "2018-09-20")]),
    ("(Smith, 2018, September 20)", [c("Smith, 2018, September 20", ("Smith",), "2018-09-20")]),
    (
        "(Denyer, 20th September 2018: Denyer and Gearan, 19th September 2018)",
        [
            c("Denyer, 20th September 2018", ("Denyer",), "2018-09-20", group=0),
            c(
                "Denyer and Gearan, 19th September 2018",
                ("Denyer", "Gearan"),
                "2018-09-19",
                group=0,
            ),
        ],
    ),
    (
        "(Smith 2019, Jones 2020)",
        [c("Smith 2019", ("Smith",), "2019"), c("Jones 2020", ("Jones",), "2020")],
    ),
    ("(Smith, 2018–2019)", [c("Smith, 2018–2019", ("Smith",), "2018")]),
    ("(Smith 2019, emphasis added)", [c("Smith 2019", ("Smith",), "2019", locator="")]),
    ("[Smith, 2019]", [c("Smith, 2019", ("Smith",), "2019")]),
    (
        "First (Smith, 2019). Then (Jones, 2020; Lee, 2021).",
        [
            c("Smith, 2019", ("Smith",), "2019", group=0),
            c("Jones, 2020", ("Jones",), "2020", group=1),
            c("Lee, 2021", ("Lee",), "2021", group=1),
        ],
    ),
    ("(Smith, 2019; 2020)", [c("Smith, 2019", ("Smith",), "2019"), c("2020", ("Smith",), "2020")]),
    ("(Smith, J., 2019)", [c("Smith, J., 2019", ("Smith",), "2019")]),
    ("(Smith JA, Jones B, 2019)", [c("Smith JA, Jones B, 2019", ("Smith", "Jones"), "2019")]),
    ("(J. R. R. Tolkien 1954)", [c("J. R. R. Tolkien 1954", ("Tolkien",), "1954")]),
    (
        "(U.S. Department of Education 2019)",
        [c("U.S. Department of Education 2019", ("U.S. Department of Education",), "2019")],
    ),
    ("(Smith 2019, p. 4f.)", [c("Smith 2019, p. 4f.", ("Smith",), "2019", locator="p. 4f.")]),
    ("(Smith,\u00a02019)", [c("Smith,\u00a02019", ("Smith",), "2019")]),
    ("(Smith and\nJones, 2019)", [c("Smith and\nJones, 2019", ("Smith", "Jones"), "2019")]),
]

NARRATIVE = [
    (
        "Wheeler and Holmes (2018)",
        [c("Wheeler and Holmes (2018)", ("Wheeler", "Holmes"), "2018", narrative=True)],
    ),
    (
        "as Smith et al. (2019, p. 4) show",
        [
            c(
                "Smith et al. (2019, p. 4)",
                ("Smith",),
                "2019",
                narrative=True,
                et_al=True,
                locator="p. 4",
            )
        ],
    ),
    (
        "Smith et al (2019)",
        [c("Smith et al (2019)", ("Smith",), "2019", et_al=True, narrative=True)],
    ),
    ("Smith et al.’s (2019) claim", [c("Smith et al.’s (2019)", ("Smith",), "2019", et_al=True)]),
    ("Smith's (2019) view", [c("Smith's (2019)", ("Smith",), "2019", narrative=True)]),
    ("Smith’s (2019) view", [c("Smith’s (2019)", ("Smith",), "2019", narrative=True)]),
    ("Jones’ (2019) view", [c("Jones’ (2019)", ("Jones",), "2019", narrative=True)]),
    (
        "Smith and Jones (2018, 2019)",
        [
            c("Smith and Jones (2018, 2019)", ("Smith", "Jones"), "2018", narrative=True, group=0),
            c("Smith and Jones (2018, 2019)", ("Smith", "Jones"), "2019", narrative=True, group=0),
        ],
    ),
    ("by van Dijk (2020)", [c("van Dijk (2020)", ("van Dijk",), "2020", narrative=True)]),
    ("As Smith (2019) argues", [c("Smith (2019)", ("Smith",), "2019", narrative=True)]),
    (
        "In Smith and Jones (2018) we read",
        [c("Smith and Jones (2018)", ("Smith", "Jones"), "2018")],
    ),
    ("According to Smith (2019)", [c("Smith (2019)", ("Smith",), "2019")]),
    ("However, Smith (2019) says", [c("Smith (2019)", ("Smith",), "2019")]),
    ("Meanwhile, Smith (2019) says", [c("Smith (2019)", ("Smith",), "2019")]),
    ("Crucially Moon (2018) said", [c("Moon (2018)", ("Moon",), "2018")]),
    (
        "Smith, Jones and Lee (2020) found",
        [c("Smith, Jones and Lee (2020)", ("Smith", "Jones", "Lee"), "2020")],
    ),
    (
        "Smith (2019) and Jones (2020)",
        [
            c("Smith (2019)", ("Smith",), "2019", group=0, narrative=True),
            c("Jones (2020)", ("Jones",), "2020", group=1, narrative=True),
        ],
    ),
    ("Smith (2019: 45)", [c("Smith (2019: 45)", ("Smith",), "2019", locator="45")]),
    ("May (2019) argues", [c("May (2019)", ("May",), "2019")]),
    ("Smith (n.d.)", [c("Smith (n.d.)", ("Smith",), "n.d.")]),
    (
        "Smith (2018a, b)",
        [c("Smith (2018a, b)", ("Smith",), "2018a"), c("Smith (2018a, b)", ("Smith",), "2018b")],
    ),
    (
        "World Health Organization (2020)",
        [c("World Health Organization (2020)", ("World Health Organization",), "2020")],
    ),
    ("Smith\n(2019)", [c("Smith\n(2019)", ("Smith",), "2019")]),
    ("[see Smith (2019)]", [c("Smith (2019)", ("Smith",), "2019")]),
]

NUMERIC = [
    ("as shown [1].", [n("1", 1)]),
    ("as shown [1, 3].", [n("1", 1), n("3", 3)]),
    ("[1–4]", [n("1–4", 1), n("1–4", 2), n("1–4", 3), n("1–4", 4)]),
    ("[3-6]", [n("3-6", 3), n("3-6", 4), n("3-6", 5), n("3-6", 6)]),
    ("[1—2]", [n("1—2", 1), n("1—2", 2)]),
    ("[1-3, 7]", [n("1-3", 1), n("1-3", 2), n("1-3", 3), n("7", 7)]),
    ("[1], [2]", [n("1", 1, 0), n("2", 2, 1)]),
    ("[12; 14]", [n("12", 12), n("14", 14)]),
]

NOT_CITATIONS = [
    "the year (2018) was good",
    "(see above)",
    "(Accessed on 26th September 2018)",
    "(in 2018)",
    "(June 2018)",
    "happened (May 2019)",
    "(Figure 3)",
    "(Fig. 2)",
    "(Table 1)",
    "(Equation 2)",
    "(Eq. 4)",
    "x = y (1)",
    "z (2a)",
    "(p. 4)",
    "(arguably the long-term goal of any talks)",
    "(e.g. in the 1950s)",
    "(1950–1953)",
    "(2018–2019)",
    "the Korean War of 1950-1953 ended",
    "the Korean War (1950–1953) ended",
    "in September (2018) we",
    "The Guardian (2019) wrote",
    "see https://example.org/Smith_(2019) and http://x.org/(Smith, 2019)",
    "www.example.com/a(Smith 2019)b",
    "a [link](http://example.org) and [1](http://example.org/1)",
    "a footnote[^1] here",
    "- [ ] a task",
    "- [x] done",
    "in [2018] it",
    "[0] and [1-500]",
    "Wheeler and Holmes rightly argue",
    "Smith 2019",
    "`(Smith, 2019)` is code",
    "```\n(Smith, 2019)\nWheeler (2018) [1]\n```\n",
    "~~~python\nSmith (2019)\n~~~\n",
    "(Smith and colleagues, 2019)",
    "(this was in 2019)",
    "(Smith\n\n2019)",
    "(COVID-19, 2020)",
    "(and South Korea for that matter)",
    "(Smith, 2019",
    "[1](#ref-1)",
    "[^1]: a footnote",
]


@pytest.mark.parametrize(("text", "expected"), PARENTHETICAL)
def test_parenthetical(text: str, expected: list[dict[str, Any]]) -> None:
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), NARRATIVE)
def test_narrative(text: str, expected: list[dict[str, Any]]) -> None:
    _check(text, expected)


@pytest.mark.parametrize(("text", "expected"), NUMERIC)
def test_numeric(text: str, expected: list[dict[str, Any]]) -> None:
    _check(text, expected)
    assert all(cite.kind is CitationKind.NUMERIC for cite in find_citations(text))


@pytest.mark.parametrize("text", NOT_CITATIONS)
def test_not_a_citation(text: str) -> None:
    assert find_citations(text) == []


def test_spans_and_fields_are_absolute() -> None:
    text = "Intro. As Smith et al. (2019, p. 4) note, see (e.g. Jones & Lee, 2020a, b)."
    first, second, third = find_citations(text)
    assert first.span == Span(10, 35)
    assert first.author_spans == (Span(10, 15),)
    assert first.date_span == Span(24, 28)
    assert first.narrative and first.group == 0
    assert second.text == "Jones & Lee, 2020a"
    assert second.prefix == "e.g."
    assert [text[s.start : s.end] for s in second.author_spans] == ["Jones", "Lee"]
    assert third.text == "b" and str(third.date) == "2020b" and third.group == 1
    assert third.authors == ("Jones", "Lee")


def test_code_span_does_not_swallow_prose_backticks() -> None:
    # Prose that closes a quotation with ` is still searched.
    text = "‘should be taken…` and that ‘measures…`(Denyer and Min, September 20th 2018)."
    assert [c.authors for c in find_citations(text)] == [("Denyer", "Min")]


def test_body_limits_the_search() -> None:
    text = "Body (Smith, 2019).\n\nSmith, J. (2019). A title. Publisher."
    cut = text.index("\n\n")
    assert [c.text for c in find_citations(text, Span(0, cut))] == ["Smith, 2019"]
    assert [c.text for c in find_citations(text, Span(5, 18))] == ["Smith, 2019"]
    assert find_citations(text, Span(6, 18)) == []
    # The walk back to a narrative name stays inside the body.
    assert find_citations("Smith (2019)", Span(6, 12)) == []


def test_groups_are_numbered_in_document_order() -> None:
    text = "A [1]. Smith (2019) and (Jones 2020; Lee 2021) [2-3]."
    found = find_citations(text)
    assert [(c.text, c.group) for c in found] == [
        ("1", 0),
        ("Smith (2019)", 1),
        ("Jones 2020", 2),
        ("Lee 2021", 2),
        ("2-3", 3),
        ("2-3", 3),
    ]


# --- The seed article ----------------------------------------------------------------------


def test_seed_article() -> None:
    if not SEED.exists():
        pytest.skip("the shared seed articles are not present")
    text = SEED.read_text(encoding="utf-8")
    end = next(
        i
        for i in range(len(text))
        if text.startswith("Diamond, Jeremy", i) and (i == 0 or text[i - 1] == "\n")
    )
    found = find_citations(text, Span(0, end))
    assert len(found) == 16
    assert all(c.kind is CitationKind.AUTHOR_DATE and not c.narrative for c in found)
    by = [(c.authors, str(c.date)) for c in found]
    assert (("Wheeler", "Homes"), "2018-03-13") in by
    assert (("Wheeler", "Holmes"), "2018-03-13") in by
    assert by.count((("Diamond", "Mallory", "Phillips"), "2018-09-24")) == 2
    assert by.count((("Diamond", "Mallory", "Phillip"), "2018-09-24")) == 1
    assert by.count((("Denyer", "Min"), "2018-09-20")) == 3
    assert (("Lyons", "Weaver", "Hass"), "2018-06-12") in by
    assert (("Zwirz",), "2018-09-26") in by
    assert by.count((("Denyer",), "2018-09-20")) == 2
    assert by.count((("Denyer", "Gearan"), "2018-09-19")) == 4
    # "Wheeler and Holmes rightly argue" names the authors without a date: no citation.
    argue = text.index("Wheeler and Holmes rightly argue")
    assert not any(c.span.start <= argue < c.span.end for c in found)
    for cite in found:
        assert text[cite.span.start : cite.span.end] == cite.text


# --- Performance and safety ----------------------------------------------------------------

PATHOLOGICAL = [
    "(" * 100_000,
    "(" * 50_000 + ")" * 50_000,
    "[" + "1," * 50_000,
    "[" + "1," * 50_000 + "1]",
    "Smith and " * 10_000 + "Smith (2019)",
    "x" * 1_000_000,
    "(A, 2018;" * 11_000,
    "(A, 2018" + " " * 100_000 + ")",
    ("(" + " " * 398 + "2018 ") * 250,
    "`" * 100_000,
    "` a" * 33_000,
    "```\n" * 25_000,
    "http://" * 14_000,
    "see http://x.org/" + ")" * 100_000,
    "see http://x.org/" + "(" * 50_000 + ")" * 50_000 + ".",
    "2018 " * 20_000,
    "(Smith 2018a, b, c, d, e, f, g, h, i" * 3000,
    "(September 20th 2018 " * 5000,
    "n.d. " * 20_000,
    "((Smith 2019) " * 7000,
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_pathological_inputs_finish_quickly(text: str) -> None:
    started = time.perf_counter()
    find_citations(text)
    assert time.perf_counter() - started < 2.0  # a hang guard, not a benchmark


def test_many_citations_scale_linearly() -> None:
    unit = (
        "Prose (Smith and Jones, 2019, p. 4). As Wheeler and Holmes (2018) argue [3–6]. "
        "More (Denyer, 20th September 2018: Denyer and Gearan, 19th September 2018).\n"
    )
    small = unit * 500
    big = unit * 5000
    started = time.perf_counter()
    assert len(find_citations(small)) == 500 * 8
    small_time = time.perf_counter() - started
    started = time.perf_counter()
    assert len(find_citations(big)) == 5000 * 8
    big_time = time.perf_counter() - started
    assert big_time < max(20 * small_time, 0.5)


# fmt: off
_FRAGMENTS = st.sampled_from([
    "(", ")", "[", "]", ";", ":", ",", " ", "\n", "\n\n", "Smith", "Jones", "van", "der", "Berg",
    "and", "&", "et al.", "et", "al", "2019", "2018a", "b", "p. 4", "n.d.", "see", "e.g.", "’s",
    "'", "September", "20th", "May", "1", "3–6", "-", "`", "```", "http://x.y/", "The", "As",
    "in", "the", "WHO", "[World Health Organization]", "\u00a0", "–", "ä", "\u0301", "O’Brien",
    "Иванов", "in press", "in\u00a0press", "no date", "S.", "12", "März", "ſept", "2018-09-20",
])
# fmt: on


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_never_breaks(text: str) -> None:
    _assert_sound(text, Span(0, len(text)))


@settings(max_examples=500, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40).map("".join), st.data())
def test_citation_like_text_never_breaks(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    _assert_sound(text, Span(start, end))
    # The fast date reader agrees with find_dates.
    assert _dates_in(text, 0, len(text)) == find_dates(text)


def _assert_sound(text: str, body: Span) -> None:
    found = find_citations(text, body)
    for cite in found:
        assert body.start <= cite.span.start < cite.span.end <= body.end
        assert text[cite.span.start : cite.span.end] == cite.text
        for span in (*cite.author_spans, *([cite.date_span] if cite.date_span else [])):
            assert body.start <= span.start < span.end <= body.end
    assert [c.group for c in found] == sorted(c.group for c in found)
    assert [c.span.start for c in found] == sorted(c.span.start for c in found)
