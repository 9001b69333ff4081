"""The labels the reference labeller gives tokens, and how labelled spans become token labels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from refcheck.crf.tokens import Token

__all__ = ["LABELS", "OTHER", "label_of", "token_labels"]

OTHER = "other"

# The labeller's labels.  Everything a reference holds that is none of the
# fields below (a genre, a medium, an arXiv id, a note) is labelled "note";
# punctuation between fields that no span covers is OTHER.
LABELS = (
    "author",
    "editor",
    "translator",
    "title",
    "container-title",
    "collection-title",
    "date",
    "volume",
    "issue",
    "pages",
    "publisher",
    "location",
    "edition",
    "url",
    "doi",
    "isbn",
    "accessed",
    "citation-number",
    "note",
    OTHER,
)

# Labels of AnyStyle and GROBID training data → the labeller's labels.
_SOURCE_LABELS = {
    "journal": "container-title",
    "source": "container-title",
    "institution": "publisher",
    "report-number": "note",
    "genre": "note",
    "medium": "note",
    "arxiv": "note",
    "identifier": "note",
    "pmid": "note",
    "pmcid": "note",
    "issn": "note",
    "pii": "note",
    "chapter": "note",
    "collaboration": "author",
    "director": "author",
    "producer": "note",
    "biblstruct": "note",
}
_KNOWN = frozenset(LABELS)


def label_of(source_label: str) -> str:
    """The labeller's label for a label of the training data."""
    label = _SOURCE_LABELS.get(source_label, source_label)
    return label if label in _KNOWN else "note"


def token_labels(text: str, tokens: Sequence[Token], spans: Iterable[tuple[str, str]]) -> list[str] | None:
    """Each token's label, from labelled spans given in reading order as (label, text).

    A span is looked for from where the previous one ended; a token inside a
    span takes its label, a token outside all of them is OTHER.  Returns None
    when a span cannot be found in ``text`` (the record is then unusable).
    """
    ranges: list[tuple[int, int, str]] = []
    cursor = 0
    for source_label, span_text in spans:
        span_text = span_text.strip()
        if not span_text:
            continue
        at = text.find(span_text, cursor)
        if at < 0:
            return None
        ranges.append((at, at + len(span_text), label_of(source_label)))
        cursor = at + len(span_text)
    out: list[str] = []
    which: list[int] = []  # the range each token is in, or -1
    k = 0
    for token in tokens:
        while k < len(ranges) and ranges[k][1] <= token.start:
            k += 1
        if k < len(ranges) and ranges[k][0] <= token.start and token.end <= ranges[k][1]:
            out.append(ranges[k][2])
            which.append(k)
        else:
            out.append(OTHER)
            which.append(-1)
    return tighten(tokens, out, which)


def tighten(tokens: Sequence[Token], labels: list[str], which: Sequence[int]) -> list[str]:
    """Punctuation at either edge of a span becomes OTHER.

    AnyStyle's spans keep the punctuation around a field ("(2011).", "“Title,”"),
    GROBID's and the generated corpus's do not: made tight, they all agree.
    Brackets that a span holds both of ("Smith (ed.)") stay inside it.
    """
    n = len(tokens)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and which[j + 1] == which[i]:
            j += 1
        if which[i] >= 0:
            inner = [t.text for t in tokens[i : j + 1]]
            a, b = 0, len(inner)
            while a < b and not inner[a][0].isalnum():
                a += 1
            while b > a and not inner[b - 1][0].isalnum() and not _keeps(tokens, i, a, b - 1):
                b -= 1
            for k in range(i, j + 1):
                if not a <= k - i < b:
                    labels[k] = OTHER
        i = j + 1
    return labels


_PAIRS = {")": "(", "]": "["}


def _keeps(tokens: Sequence[Token], i: int, a: int, k: int) -> bool:
    """Whether the punctuation ``tokens[i + k]`` at a span's end belongs to the span: a
    bracket opened inside it, or the full stop of an initial ("Head, P.")."""
    text = tokens[i + k].text
    opener = _PAIRS.get(text)
    if opener is not None:
        return any(t.text == opener for t in tokens[i + a : i + k])
    if text == "." and k > a and not tokens[i + k].space_before:
        before = tokens[i + k - 1].text
        return len(before) == 1 and before.isupper()
    return False
