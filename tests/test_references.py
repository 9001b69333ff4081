"""Tests for refcheck.references: splitting a reference section and parsing its entries."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.model import Date, Reference, Span
from refcheck.references import parse_reference, read_references, split_entries

SEED = Path(__file__).parents[2] / "shared" / "seeds" / "000_169b074b60e7a565.txt"


def case(text: str, expected: dict[str, Any]) -> Any:
    return pytest.param(text, expected, id=text[:40])


def summary(ref: Reference) -> dict[str, Any]:
    """The fields a test compares, in plain values."""
    out: dict[str, Any] = {
        "authors": [n.literal or (n.family, n.given) for n in ref.authors],
        "issued": str(ref.issued) if ref.issued else None,
        "type": ref.type,
    }
    if ref.editors:
        out["editors"] = [(n.family, n.given) for n in ref.editors]
    for key in (
        "title", "container_title", "volume", "issue", "page", "publisher", "publisher_place",
        "edition", "doi", "url", "isbn",
    ):
        if getattr(ref, key):
            out[key] = getattr(ref, key)
    if ref.accessed:
        out["accessed"] = str(ref.accessed)
    if ref.online:
        out["online"] = True
    if ref.malformed_urls:
        out["malformed"] = [text for _, text in ref.malformed_urls]
    return out


# Reference strings written for these tests, across APA 7, Harvard, Chicago
# (author-date and notes-bibliography), MLA 9, IEEE, Vancouver, Nature, German
# and French styles.
CASES = [
    case(
        'Okafor, C. N., & Lindqvist, M. (2021). Tidal patterns in estuarine sediment transport. Journal of Coastal Dynamics, 14(2), 233–251. https://doi.org/10.1234/jcd.2021.0142',
        {'authors': [('Okafor', 'C. N.'), ('Lindqvist', 'M.')], 'issued': '2021', 'title': 'Tidal patterns in estuarine sediment transport', 'container_title': 'Journal of Coastal Dynamics', 'volume': '14', 'issue': '2', 'page': '233–251', 'doi': '10.1234/jcd.2021.0142', 'type': 'article-journal', 'online': True},
    ),
    case(
        'Haverford, L. (2019a). Mapping urban heat islands. Climate Letters, 8, 12–19.',
        {'authors': [('Haverford', 'L.')], 'issued': '2019a', 'title': 'Mapping urban heat islands', 'container_title': 'Climate Letters', 'volume': '8', 'page': '12–19', 'type': 'article-journal'},
    ),
    case(
        'Ostrowski, P. (n.d.). Guide to community gardening. Green Streets. Retrieved May 3, 2020, from https://greenstreets.example.org/guide',
        {'authors': [('Ostrowski', 'P.')], 'issued': 'n.d.', 'title': 'Guide to community gardening', 'container_title': 'Green Streets', 'url': 'https://greenstreets.example.org/guide', 'accessed': '2020-05-03', 'type': 'webpage', 'online': True},
    ),
    case(
        'Whitcombe, R. and Aldana, S. (2015) Coastal towns in decline. London: Meridian Books.',
        {'authors': [('Whitcombe', 'R.'), ('Aldana', 'S.')], 'issued': '2015', 'title': 'Coastal towns in decline', 'publisher': 'Meridian Books', 'publisher_place': 'London', 'type': 'book'},
    ),
    case(
        "Fairweather, G. (2020) 'Why libraries still matter', The Northern Herald, 14 March, p. 12.",
        {'authors': [('Fairweather', 'G.')], 'issued': '2020', 'title': 'Why libraries still matter', 'container_title': 'The Northern Herald', 'page': '12', 'type': 'article-newspaper'},
    ),
    case(
        'National Grid Authority (2018) Annual energy outlook 2018. Available at: https://www.nga.example.gov/outlook2018.pdf (Accessed: 26 September 2018).',
        {'authors': ['National Grid Authority'], 'issued': '2018', 'title': 'Annual energy outlook 2018', 'url': 'https://www.nga.example.gov/outlook2018.pdf', 'accessed': '2018-09-26', 'type': 'webpage', 'online': True},
    ),
    case(
        'Pemberton, Alice. The Salt Roads. Chicago: Lakeview University Press, 2016.',
        {'authors': [('Pemberton', 'Alice')], 'issued': '2016', 'title': 'The Salt Roads', 'publisher': 'Lakeview University Press', 'publisher_place': 'Chicago', 'type': 'book'},
    ),
    case(
        'Halvorsen K, Mbeki TJ, Ruiz-Santos A. Sleep duration and memory consolidation in adolescents. J Sleep Res. 2019;28(3):e12745.',
        {'authors': [('Halvorsen', 'K'), ('Mbeki', 'TJ'), ('Ruiz-Santos', 'A.')], 'issued': '2019', 'title': 'Sleep duration and memory consolidation in adolescents', 'container_title': 'J Sleep Res', 'volume': '28', 'issue': '3', 'page': 'e12745', 'type': 'article-journal'},
    ),
    case(
        'Castellano, M. A. & Ibsen, R. Dark matter halos in dwarf galaxies. Nature 561, 455–459 (2018).',
        {'authors': [('Castellano', 'M. A.'), ('Ibsen', 'R.')], 'issued': '2018', 'title': 'Dark matter halos in dwarf galaxies', 'container_title': 'Nature', 'volume': '561', 'page': '455–459', 'type': 'article-journal'},
    ),
    case(
        'Müller, Hans und Schneider, Petra (2012): Grundlagen der Bodenkunde. 3. Aufl. Stuttgart: Ulmer Verlag.',
        {'authors': [('Müller', 'Hans'), ('Schneider', 'Petra')], 'issued': '2012', 'title': 'Grundlagen der Bodenkunde', 'publisher': 'Ulmer Verlag', 'publisher_place': 'Stuttgart', 'edition': '3', 'type': 'book'},
    ),
    case(
        'Delacroix, M. (2020). Sustainable ports. In R. Haldane & P. Osei (Eds.), Maritime futures (pp. 45–68). Seaward Press.',
        {'authors': [('Delacroix', 'M.')], 'editors': [('Haldane', 'R.'), ('Osei', 'P.')], 'issued': '2020', 'title': 'Sustainable ports', 'container_title': 'Maritime futures', 'page': '45–68', 'type': 'chapter'},
    ),
    case(
        "Lindqvist, A. (2016) 'Ferry networks', in Okafor, C. and Brennan, T. (eds) Island transport. Oxford: Harbor Lane Press, pp. 77–95.",
        {'authors': [('Lindqvist', 'A.')], 'editors': [('Okafor', 'C.'), ('Brennan', 'T.')], 'issued': '2016', 'title': 'Ferry networks', 'container_title': 'Island transport', 'page': '77–95', 'publisher': 'Harbor Lane Press', 'publisher_place': 'Oxford', 'type': 'chapter'},
    ),
    case(
        'World Health Organization. (2021). Global report on hand hygiene. WHO Press.',
        {'authors': ['World Health Organization'], 'issued': '2021', 'title': 'Global report on hand hygiene', 'publisher': 'WHO Press', 'type': 'report'},
    ),
    case(
        'van der Linden, Jan, and María de la Cruz. 2011. "Dutch Dikes." Water History 3 (1): 1–20.',
        {'authors': [('Linden', 'Jan'), ('Cruz', 'María')], 'issued': '2011', 'title': 'Dutch Dikes', 'container_title': 'Water History', 'volume': '3', 'issue': '1', 'page': '1–20', 'type': 'article-journal'},
    ),
    case(
        'Ó Súilleabháin, S., Nguyễn, V. A., & Müller-Lüdenscheidt, K. (2022). Cross-cultural naming. Names Quarterly, 70(1), 5–20.',
        {'authors': [('Ó Súilleabháin', 'S.'), ('Nguyễn', 'V. A.'), ('Müller-Lüdenscheidt', 'K.')], 'issued': '2022', 'title': 'Cross-cultural naming', 'container_title': 'Names Quarterly', 'volume': '70', 'issue': '1', 'page': '5–20', 'type': 'article-journal'},
    ),
    case(
        'Okonjo, P. (2013). Fieldwork and feeling (3rd edn). Bristol: Kestrel Academic Publishing. ISBN 978-0-12-345678-9.',
        {'authors': [('Okonjo', 'P.')], 'issued': '2013', 'title': 'Fieldwork and feeling', 'publisher': 'Kestrel Academic Publishing', 'publisher_place': 'Bristol', 'edition': '3', 'isbn': '978-0-12-345678-9', 'type': 'book'},
    ),
    case(
        'Haldane, R. (Ed.). (2018). Maritime futures. Seaward Press.',
        {'authors': [], 'editors': [('Haldane', 'R.')], 'issued': '2018', 'title': 'Maritime futures', 'publisher': 'Seaward Press', 'type': 'book'},
    ),
    case(
        'Rivera, L. (2020, May 3). How to plant a rain garden. Garden Notes. https://gardennotes.example.com/rain-garden',
        {'authors': [('Rivera', 'L.')], 'issued': '2020-05-03', 'title': 'How to plant a rain garden', 'container_title': 'Garden Notes', 'url': 'https://gardennotes.example.com/rain-garden', 'type': 'webpage', 'online': True},
    ),
    case(
        'Ferris, Paul. “Cities of Salt.” In Desert Histories, edited by Maya Okonkwo, 101–18. Tucson: Saguaro University Press, 2008.',
        {'authors': [('Ferris', 'Paul')], 'editors': [('Okonkwo', 'Maya')], 'issued': '2008', 'title': 'Cities of Salt', 'container_title': 'Desert Histories', 'page': '101–18', 'publisher': 'Saguaro University Press', 'publisher_place': 'Tucson', 'type': 'chapter'},
    ),
    case(
        'Aldous, M. 2019. "Night buses." The Weekly Courier Magazine, 2 March 2019.',
        {'authors': [('Aldous', 'M.')], 'issued': '2019', 'title': 'Night buses', 'container_title': 'The Weekly Courier Magazine', 'type': 'article-magazine'},
    ),
    case(
        "Yeo, S., & Park, J. (2017). Seoul's green belts. Proceedings of the Asian Planning Conference, 22–29.",
        {'authors': [('Yeo', 'S.'), ('Park', 'J.')], 'issued': '2017', 'title': "Seoul's green belts", 'container_title': 'Proceedings of the Asian Planning Conference', 'page': '22–29', 'type': 'paper-conference'},
    ),
    case(
        'Tremblay, C. (2019). L’urbanisme durable. Presses de l’Université Laval.',
        {'authors': [('Tremblay', 'C.')], 'issued': '2019', 'title': 'L’urbanisme durable', 'publisher': 'Presses de l’Université Laval', 'type': 'book'},
    ),
    case(
        'Lowe, H. Sr. (1999). Steam and iron. Ironbridge Press.',
        {'authors': [('Lowe', 'H.')], 'issued': '1999', 'title': 'Steam and iron', 'publisher': 'Ironbridge Press', 'type': 'book'},
    ),
    case(
        'Ahn, Ji-woo. Korean tea rituals. Seoul: Hanbit Press, 2015.',
        {'authors': [('Ahn', 'Ji-woo')], 'issued': '2015', 'title': 'Korean tea rituals', 'publisher': 'Hanbit Press', 'publisher_place': 'Seoul', 'type': 'book'},
    ),
    case(
        'Brennan, T. (2017). The quiet machine: Automation and the modern office (2nd ed.). Harbor Lane Press.',
        {'authors': [('Brennan', 'T.')], 'issued': '2017', 'title': 'The quiet machine: Automation and the modern office', 'publisher': 'Harbor Lane Press', 'edition': '2', 'type': 'book'},
    ),
    case(
        'Pemberton, Alice. 2016. "Salt Roads of the North." Historical Geography Review 22 (3): 45–67.',
        {'authors': [('Pemberton', 'Alice')], 'issued': '2016', 'title': 'Salt Roads of the North', 'container_title': 'Historical Geography Review', 'volume': '22', 'issue': '3', 'page': '45–67', 'type': 'article-journal'},
    ),
    case(
        'Thorne, Elias. "Glass Towers." The Urban Quarterly, vol. 9, no. 2, 2014, pp. 88-102.',
        {'authors': [('Thorne', 'Elias')], 'issued': '2014', 'title': 'Glass Towers', 'container_title': 'The Urban Quarterly', 'volume': '9', 'issue': '2', 'page': '88-102', 'type': 'article-journal'},
    ),
    case(
        'J. Okonkwo, A. Vasquez, and B. Lindgren, “Low-power sensing in wearable devices,” IEEE Trans. Circuits Syst., vol. 12, no. 4, pp. 301–309, 2018, doi: 10.1109/TCS.2018.123456.',
        {'authors': [('Okonkwo', 'J.'), ('Vasquez', 'A.'), ('Lindgren', 'B.')], 'issued': '2018', 'title': 'Low-power sensing in wearable devices', 'container_title': 'IEEE Trans. Circuits Syst', 'volume': '12', 'issue': '4', 'page': '301–309', 'doi': '10.1109/TCS.2018.123456', 'type': 'article-journal'},
    ),
    case(
        'Dupont, Jean et Moreau, Claire (2009). « Les villes moyennes en France ». Revue de géographie, 45(2), p. 112-130.',
        {'authors': [('Dupont', 'Jean'), ('Moreau', 'Claire')], 'issued': '2009', 'title': 'Les villes moyennes en France', 'container_title': 'Revue de géographie', 'volume': '45', 'issue': '2', 'page': '112-130', 'type': 'article-journal'},
    ),
    case(
        'Marsh, D. (2014). Community radio in rural Wales [Doctoral dissertation, University of Aberystwyth]. Aberystwyth Research Repository.',
        {'authors': [('Marsh', 'D.')], 'issued': '2014', 'title': 'Community radio in rural Wales', 'publisher': 'University of Aberystwyth', 'type': 'thesis'},
    ),
    case(
        'King, Martin Luther, Jr. Letters from the South. New York: Harbor Lane Press, 1964.',
        {'authors': [('King', 'Martin Luther')], 'issued': '1964', 'title': 'Letters from the South', 'publisher': 'Harbor Lane Press', 'publisher_place': 'New York', 'type': 'book'},
    ),
    case(
        'Whitlock, Anna. "Night Trains of Europe." The Sunday Ledger, 4 Feb. 2019, www.sundayledger.example.com/night-trains. Accessed 3 May 2020.',
        {'authors': [('Whitlock', 'Anna')], 'issued': '2019-02-04', 'title': 'Night Trains of Europe', 'container_title': 'The Sunday Ledger', 'url': 'www.sundayledger.example.com/night-trains', 'accessed': '2020-05-03', 'type': 'article-newspaper', 'online': True},
    ),
    case(
        'Petrakis, Ioanna. “The Olive Economy.” Mediterranean Studies Forum, 2012, pp. 5-30.',
        {'authors': [('Petrakis', 'Ioanna')], 'issued': '2012', 'title': 'The Olive Economy', 'container_title': 'Mediterranean Studies Forum', 'page': '5-30', 'type': 'article-journal'},
    ),
    case(
        'Adeyemi, O., Brandt, L., Chowdhury, R., Delgado, F., Eriksen, M., Fontaine, C., Gallo, P., Hoffmann, S., Ishikawa, T., Jovanovic, D., Kowalczyk, A., & Larsen, E. (2020). A twelve-author study. Big Science, 3(1), 1–9.',
        {'authors': [('Adeyemi', 'O.'), ('Brandt', 'L.'), ('Chowdhury', 'R.'), ('Delgado', 'F.'), ('Eriksen', 'M.'), ('Fontaine', 'C.'), ('Gallo', 'P.'), ('Hoffmann', 'S.'), ('Ishikawa', 'T.'), ('Jovanovic', 'D.'), ('Kowalczyk', 'A.'), ('Larsen', 'E.')], 'issued': '2020', 'title': 'A twelve-author study', 'container_title': 'Big Science', 'volume': '3', 'issue': '1', 'page': '1–9', 'type': 'article-journal'},
    ),
    case(
        'Schmitt, Karl (2015): Stadtgeschichte im Wandel. In: Weber, Anna (Hrsg.): Handbuch der Stadtforschung. Berlin: Beck, S. 45–67. Abgerufen am 3. Mai 2020.',
        {'authors': [('Schmitt', 'Karl')], 'editors': [('Weber', 'Anna')], 'issued': '2015', 'title': 'Stadtgeschichte im Wandel', 'container_title': 'Handbuch der Stadtforschung', 'page': '45–67', 'publisher': 'Beck', 'publisher_place': 'Berlin', 'accessed': '2020-05-03', 'type': 'chapter', 'online': True},
    ),
    case(
        'Garnier, Luc. « Les ports bretons ». Le Courrier de l’Ouest, 12 mars 2017, consulté le 5 avril 2018.',
        {'authors': [('Garnier', 'Luc')], 'issued': '2017-03-12', 'title': 'Les ports bretons', 'container_title': 'Le Courrier de l’Ouest', 'accessed': '2018-04-05', 'type': 'article-newspaper', 'online': True},
    ),
    case(
        'Quartermain, R. (2003) Forecasting in small economies. Working Paper 12. Wellington: Reserve Institute.',
        {'authors': [('Quartermain', 'R.')], 'issued': '2003', 'title': 'Forecasting in small economies', 'publisher': 'Reserve Institute', 'publisher_place': 'Wellington', 'type': 'report'},
    ),
    case(
        'Ngata, H. 2015. Stream restoration in practice. PhD thesis, University of Waikato.',
        {'authors': [('Ngata', 'H.')], 'issued': '2015', 'title': 'Stream restoration in practice', 'publisher': 'University of Waikato', 'type': 'thesis'},
    ),
    case(
        'Rahimi A, Oduya B, Kowalski T, et al. Rapid antigen testing in schools: a cohort study. BMJ Open. 2021 Mar 4;11(3):e045123. doi:10.1136/bmjopen-2020-045123',
        {'authors': [('Rahimi', 'A'), ('Oduya', 'B'), ('Kowalski', 'T')], 'issued': '2021-03-04', 'title': 'Rapid antigen testing in schools: a cohort study', 'container_title': 'BMJ Open', 'volume': '11', 'issue': '3', 'page': 'e045123', 'doi': '10.1136/bmjopen-2020-045123', 'type': 'article-journal'},
    ),
    case(
        'Sato, Y., & Kim, J. (2019). Urban ageing in East Asia. Ageing & Society, 39(7), 1401–1425. https://doi.org/10.1017/S0144686X1800001X',
        {'authors': [('Sato', 'Y.'), ('Kim', 'J.')], 'issued': '2019', 'title': 'Urban ageing in East Asia', 'container_title': 'Ageing & Society', 'volume': '39', 'issue': '7', 'page': '1401–1425', 'doi': '10.1017/S0144686X1800001X', 'type': 'article-journal', 'online': True},
    ),
    case(
        'Valdés y Ortega, R. (2018). Broken link test. http//example.com/page',
        {'authors': [('Valdés y Ortega', 'R.')], 'issued': '2018', 'title': 'Broken link test', 'type': 'document', 'malformed': ['http//example.com/page']},
    ),
    case(
        'Ferreira, L. (2019). Another broken link. Available at: https://exa mple.com/x (Accessed 2 March 2019).',
        {'authors': [('Ferreira', 'L.')], 'issued': '2019', 'title': 'Another broken link', 'accessed': '2019-03-02', 'type': 'document', 'online': True, 'malformed': ['https://exa mple.com/x']},
    ),
    case(
        'Lund, K. (2010). Travel writing. [online] Available at: <https://travel.example.net/lund> [Accessed 26 Sep 2018].',
        {'authors': [('Lund', 'K.')], 'issued': '2010', 'title': 'Travel writing', 'url': 'https://travel.example.net/lund', 'accessed': '2018-09-26', 'type': 'webpage', 'online': True},
    ),
    case(
        'Brook, T. (2022). [Markdown page](https://brook.example.org/page). Brook Notes.',
        {'authors': [('Brook', 'T.')], 'issued': '2022', 'title': 'Markdown page', 'container_title': 'Brook Notes', 'url': 'https://brook.example.org/page', 'type': 'webpage', 'online': True},
    ),
    case(
        'Abernathy, Q. (2011). Some title. doi:10.12/short',
        {'authors': [('Abernathy', 'Q.')], 'issued': '2011', 'title': 'Some title', 'type': 'document', 'malformed': ['doi:10.12/short']},
    ),
    case(
        'Cohen, D. (2020). Grammar. *Journal of Odd Syntax*, 5, 1–2.',
        {'authors': [('Cohen', 'D.')], 'issued': '2020', 'title': 'Grammar', 'container_title': 'Journal of Odd Syntax', 'volume': '5', 'page': '1–2', 'type': 'article-journal'},
    ),
    case(
        "Fenwick, S. (2018) 'Rising tides', The Coastal Times, 3 June. Available at: www.coastaltimes.example.co.uk/rising (Accessed: 5 June 2018).",
        {'authors': [('Fenwick', 'S.')], 'issued': '2018', 'title': 'Rising tides', 'container_title': 'The Coastal Times', 'url': 'www.coastaltimes.example.co.uk/rising', 'accessed': '2018-06-05', 'type': 'article-newspaper', 'online': True},
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parse_reference(text: str, expected: dict[str, Any]) -> None:
    ref = parse_reference(text, Span(0, len(text)))
    assert summary(ref) == expected


def test_field_spans_point_at_the_text() -> None:
    doc = "Intro text.\n\nReferences\n\nSato, Y., & Kim, J. (2019). Urban ageing in East Asia.\nAgeing & Society, 39(7), 1401–1425. https://doi.org/10.1017/S0144686X1800001X\n"
    start = doc.index("Sato")
    end = doc.rindex("X") + 1
    ref = parse_reference(doc, Span(start, end), number=4)
    assert ref.number == 4
    assert ref.span == Span(start, end)
    assert ref.text == doc[start:end].replace("\n", " ")
    for key, value in (("title", "Urban ageing in East Asia"), ("container-title", "Ageing & Society"),
                       ("volume", "39"), ("page", "1401–1425"), ("issued", "2019"),
                       ("DOI", "https://doi.org/10.1017/S0144686X1800001X")):
        span = ref.field_span(key)
        assert span is not None, key
        assert doc[span.start : span.end] == value
    assert [doc[n.span.start : n.span.end] for n in ref.authors if n.span] == ["Sato, Y.", "Kim, J."]


def test_italic_markdown_title() -> None:
    text = "Brennan, T. (2017). *The quiet machine*. Harbor Lane Press."
    ref = parse_reference(text, Span(0, len(text)))
    assert ref.title == "The quiet machine"
    span = ref.field_span("title")
    assert span is not None and text[span.start : span.end] == "The quiet machine"
    assert ref.publisher == "Harbor Lane Press"


def test_markdown_link_and_angle_url() -> None:
    text = "Lund, K. (2010). Travel writing. Available at: <https://travel.example.net/lund>."
    ref = parse_reference(text, Span(0, len(text)))
    assert ref.url == "https://travel.example.net/lund"
    assert ref.online


@pytest.mark.parametrize(
    ("tail", "malformed"),
    [
        ("Available at: https:// (Accessed 1 May 2020).", "https://"),
        ("See www for details.", "www"),
        ("doi:10.12/short.", "doi:10.12/short"),
        ("https://doi.org/abc.", "https://doi.org/abc"),
        ("Path: news/2018/09/19/story-of-the-year/index.", "news/2018/09/19/story-of-the-year/index"),
    ],
)
def test_malformed_urls(tail: str, malformed: str) -> None:
    text = f"Okafor, C. (2020). A title. {tail}"
    ref = parse_reference(text, Span(0, len(text)))
    assert [t for _, t in ref.malformed_urls] == [malformed]
    (span, _), = ref.malformed_urls
    assert text[span.start : span.end] == malformed
    assert ref.url == "" and ref.doi == ""


def test_url_trailing_punctuation_and_balanced_parentheses() -> None:
    text = "Okafor, C. (2020). Title. https://en.example.org/wiki/Foo_(bar)). Also https://b.example.org/x."
    ref = parse_reference(text, Span(0, len(text)))
    assert ref.url == "https://en.example.org/wiki/Foo_(bar)"


@pytest.mark.parametrize(
    ("clause", "accessed"),
    [
        ("Accessed on 26th September 2018.", Date(2018, 9, 26)),
        ("(Accessed: 26 September 2018).", Date(2018, 9, 26)),
        ("[Accessed 26 Sep 2018].", Date(2018, 9, 26)),
        ("accessed 3 May 2020.", Date(2020, 5, 3)),
        ("Abgerufen am 3. Mai 2020.", Date(2020, 5, 3)),
        ("consulté le 5 avril 2018.", Date(2018, 4, 5)),
        ("[cited 2020 May 3].", Date(2020, 5, 3)),
    ],
)
def test_accessed_dates(clause: str, accessed: Date) -> None:
    text = f"Okafor, C. (2015). A page. Garden Notes. {clause}"
    ref = parse_reference(text, Span(0, len(text)))
    assert ref.accessed == accessed
    assert ref.issued == Date(2015)
    assert ref.online


def test_split_paragraphs_and_heading() -> None:
    section = (
        "## References\n\n"
        "Okafor, C. (2020). First title. Journal A, 1, 1–2.\n\n"
        "Brennan, T. (2017). Second title\n   wrapped onto a second line. Harbor Lane Press.\n\n"
        "Lund, K. (2010). Third title.\n"
    )
    doc = "Body.\n\n" + section
    entries = split_entries(doc, Span(7, len(doc)))
    texts = [doc[s.start : s.end] for s, _ in entries]
    assert texts == [
        "Okafor, C. (2020). First title. Journal A, 1, 1–2.",
        "Brennan, T. (2017). Second title\n   wrapped onto a second line. Harbor Lane Press.",
        "Lund, K. (2010). Third title.",
    ]
    assert [n for _, n in entries] == [None, None, None]


def test_split_lines_without_blank_lines() -> None:
    doc = (
        "References\n"
        "Okafor, C. (2020). First title. Journal A, 1, 1–2.\n"
        "Brennan, T. (2017). Second title.\n"
        "Lund, K. and Park, J. (2010). Third title continues\n"
        "on this line.\n"
    )
    entries = split_entries(doc, Span(0, len(doc)))
    assert [doc[s.start : s.end].split(".")[0] for s, _ in entries] == ["Okafor, C", "Brennan, T", "Lund, K"]
    assert doc[entries[2][0].start : entries[2][0].end].endswith("on this line.")


@pytest.mark.parametrize(
    ("labels", "numbers"),
    [
        (["1. ", "2. ", "3. "], [1, 2, 3]),
        (["[1] ", "[2] ", "[10] "], [1, 2, 10]),
        (["1) ", "2) ", "3) "], [1, 2, 3]),
        (["(1) ", "(2) ", "(3) "], [1, 2, 3]),
        (["- ", "* ", "- "], [None, None, None]),
    ],
)
def test_split_numbered_and_list_items(labels: list[str], numbers: list[int | None]) -> None:
    bodies = [
        "J. Okonkwo, “Low-power sensing,” IEEE Sens. J., vol. 1, 2018.",
        "A. Vasquez and B. Lindgren, “Wearables,” in Proc. Sensors Conf.,",
        "C. Park, Signals. Seoul: Hanbit Press, 2015.",
    ]
    doc = "".join(f"{label}{body}\n" for label, body in zip(labels, bodies))
    doc = doc.replace("Proc. Sensors Conf.,\n", "Proc. Sensors Conf.,\n    2019, pp. 1–4.\n")
    entries = split_entries(doc, Span(0, len(doc)))
    assert [n for _, n in entries] == numbers
    texts = [doc[s.start : s.end] for s, _ in entries]
    assert texts[0] == bodies[0]
    assert texts[1].startswith("A. Vasquez") and texts[1].endswith("pp. 1–4.")
    assert texts[2] == bodies[2]


def test_read_references_uses_the_prevailing_order() -> None:
    doc = (
        "Okafor, Chidi. 2020. First title. Harbor Lane Press.\n\n"
        "Quarrington Zell, and Brennan, Tom. 2017. Second title. Harbor Lane Press.\n\n"
        "Lund, Karin. 2010. Third title. Harbor Lane Press.\n"
    )
    refs = read_references(doc, Span(0, len(doc)))
    assert [(n.family, n.given) for n in refs[1].authors] == [("Quarrington", "Zell"), ("Brennan", "Tom")]
    given_first = "J. Okafor, “One,” J. A, 2020.\n\nQuarrington Zell, “Two,” J. B, 2019.\n"
    refs = read_references(given_first, Span(0, len(given_first)))
    assert [(n.family, n.given) for n in refs[1].authors] == [("Zell", "Quarrington")]


def _seed_refs() -> tuple[str, list[Reference]]:
    if not SEED.exists():
        pytest.skip("the shared seed articles are not available")
    text = SEED.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start = next(offsets[i] for i, line in enumerate(lines) if line.startswith("Diamond, Jeremy"))
    end = next(offsets[i] for i, line in enumerate(lines) if line.strip() == "Leave a Reply")
    return text, read_references(text, Span(start, end))


def test_seed_reference_list() -> None:
    text, refs = _seed_refs()
    assert len(refs) == 7
    assert [r.authors[0].family for r in refs] == [
        "Diamond", "Denyer", "Denyer", "Denyer", "Lyons", "Wheeler", "Zwirz",
    ]
    assert [(n.family, n.given) for n in refs[0].authors] == [
        ("Diamond", "Jeremy"), ("Mallory", "Allie"), ("Phillip", "Abby"),
    ]
    assert [(n.family, n.given, n.order) for n in refs[3].authors] == [
        ("Denyer", "Simon", "family-comma"), ("Kim", "Min Joo", "given-first"),
    ]
    assert [(n.family, n.given) for n in refs[4].authors] == [
        ("Lyons", "Kate"), ("Weaver", "Matthew"), ("Hass", "Benjamin"),
    ]
    assert [(n.family, n.given) for n in refs[5].authors] == [("Wheeler", "Nicholas J."), ("Holmes", "Marcus")]
    assert [r.container_title for r in refs] == [
        "CNN Politics", "The Washington Post", "The Washington Post", "The Washington Post",
        "The Guardian", "The Conversation", "Fox News",
    ]
    assert [str(r.issued) for r in refs] == [
        "2018-09-24", "2018-09-20", "2018-09-19", "2018-09-20", "2018-06-12", "2018-03-13", "2018-09-26",
    ]
    assert [str(r.accessed) for r in refs] == [
        "2018-09-26", "2018-09-24", "2018-09-24", "2018-09-24", "2018-09-24", "2018-09-24", "2018-09-26",
    ]
    assert refs[0].title == "Trump says second meeting with North Korea’s Kim could be ‘quite soon"
    assert refs[1].title == refs[3].title == (
        "North Korea’s Kim wants new summit with Trump soon to continue denuclearization"
    )
    assert refs[2].title == "North Korea leader offers to dismantle nuclear test sit – but only after U.S. acts"
    assert refs[4].title == "Singapore summit: what we learned from the Trump-Kim meeting"
    assert refs[5].title == (
        "Lessons for Trump-Kim summit from Reagan and Gorbachev: trust and reassurance before denuclearisation"
    )
    assert refs[6].title == "Trump could meet with Kim Jong Un by year’s end, South Korean president tells Fox News"
    assert all(r.online for r in refs)
    assert all(r.url == "" for r in refs)
    assert [len(r.malformed_urls) for r in refs] == [0, 0, 1, 0, 0, 0, 0]
    (span, fragment), = refs[2].malformed_urls
    assert text[span.start : span.end] == fragment
    assert fragment.startswith("–but-only-after-us-acts/2018/09/19/") and "_story.html?utm_term=" in fragment
    assert all(r.type == "article-newspaper" for r in refs)
    for ref in refs:
        assert text[ref.span.start : ref.span.end].replace("\n", " ") == ref.text
        for _, span in ref.field_spans:
            assert ref.span.start <= span.start <= span.end <= ref.span.end


def _within(ref: Reference, length: int) -> None:
    assert 0 <= ref.span.start <= ref.span.end <= length
    for _, span in ref.field_spans:
        assert ref.span.start <= span.start <= span.end <= ref.span.end
    for name in ref.authors + ref.editors:
        assert name.span is None or ref.span.start <= name.span.start <= name.span.end <= ref.span.end
    for span, _ in ref.malformed_urls:
        assert ref.span.start <= span.start <= span.end <= ref.span.end


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_reference_never_raises(text: str) -> None:
    ref = parse_reference(text, Span(0, len(text)))
    _within(ref, len(text))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("Aa .,;:()[]'\"‘’“”`-–/0123456789&\n\tJSmithdoi:http/www.ed")
            + ["2019", "et al.", "(Eds.)", "https://", "In ", "Smith, J. ", "10.1234/", "1. ", "Accessed "]
        )
    ).map("".join)
)
def test_reference_like_noise_never_raises(text: str) -> None:
    for span, _ in split_entries(text, Span(0, len(text))):
        _within(parse_reference(text, span), len(text))
    for ref in read_references(text, Span(0, len(text))):
        _within(ref, len(text))


@settings(max_examples=300, deadline=None)
@given(st.text(), st.integers(-5, 50), st.integers(-5, 50))
def test_split_entries_never_raises(text: str, start: int, end: int) -> None:
    for span, number in split_entries(text, Span(start, end)):
        assert 0 <= span.start < span.end <= len(text)
        assert number is None or number >= 0


def test_empty_and_out_of_range_spans() -> None:
    assert parse_reference("", Span(0, 0)).type == "document"
    assert parse_reference("abc", Span(10, 20)).span == Span(3, 3)
    assert split_entries("", Span(0, 0)) == []
    assert read_references("", Span(0, 0)) == []


@pytest.mark.parametrize(
    "text",
    [
        "," * 100_000,
        "Smith " * 20_000,
        "Smith, J. " * 10_000,
        "x" * 1_000_000,
        "(" * 100_000,
        "[" * 100_000,
        "‘" * 100_000,
        "“a " * 30_000,
        "a/b/c/" * 20_000,
        "http://" * 15_000,
        "1999 " * 20_000,
        ". " * 50_000,
        "Smith J. " * 10_000,
        " " * 100_000 + "(Eds.)",
        "\n" * 100_000,
        "1. x\n" * 20_000,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_pathological_input_is_fast(text: str) -> None:
    started = time.perf_counter()
    parse_reference(text, Span(0, len(text)))
    split_entries(text, Span(0, len(text)))
    assert time.perf_counter() - started < 2.0
