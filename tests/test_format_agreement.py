"""bench/format_agreement.py: citeproc-js renders through the Node script, and differences are classified."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import format_agreement as fa  # noqa: E402  (bench/ is not a package)

ITEM = {"id": "a1", "type": "book", "title": "Handbook of qualitative research",
        "editor": [{"family": "Denzin", "given": "Norman K."}, {"family": "Lincoln", "given": "Yvonna S."}],
        "publisher": "Sage", "issued": {"date-parts": [[2000]]}}  # fmt: skip


@pytest.mark.skipif(
    shutil.which("node") is None or not (BENCH / "node_modules" / "citeproc").exists(),
    reason="needs node and citeproc-js installed in bench/node_modules (python bench/format_agreement.py installs it)",
)
def test_node_script_renders_three_items_in_apa() -> None:
    items = [
        ITEM,
        {"id": "b2", "type": "article-journal", "title": "Spectral lines", "author": [{"family": "Ångström", "given": "Anders"}],
         "container-title": "Annalen der Physik", "volume": "94", "page": "141-165", "issued": {"date-parts": [[1855]]}},
        {"id": "c3", "type": "webpage", "title": "A page", "author": [{"literal": "World Health Organization"}],
         "URL": "https://who.int/x", "issued": {"date-parts": [[2020, 5, 1]]}},
    ]  # fmt: skip
    run = fa.render_js(items, ["apa"], "en-US")
    entries = dict(run.entries["apa"])
    assert sorted(entries) == ["a1", "b2", "c3"]
    assert entries["a1"].strip() == "Denzin, N. K., & Lincoln, Y. S. (Eds.). (2000). Handbook of qualitative research. Sage."
    # APA title-cases the journal: citeproc-js capitalises "der" too.
    assert entries["b2"].strip() == "Ångström, A. (1855). Spectral lines. Annalen Der Physik, 94, 141–165."
    assert run.seconds["apa"] > 0


@pytest.mark.parametrize(
    ("js", "py", "expected"),
    [
        ("Smith, J. (Ed.). (2000). Title. Sage.", "Smith, J. (ed.). (2000). Title. Sage.", ["editor label (eds.)/(Eds.)"]),
        ("Doe, J. “A title,” Journal.", "Doe, J. “A title”, Journal.", ["punctuation inside/outside quotes"]),
        ("Denzin, Norman K. 2000. Title.", "Denzin, N. K. 2000. Title.", ["initials vs full given names"]),
        ("[1] N. K. Denzin, Title.", "[1]N. K. Denzin, Title.", ["citation number spacing"]),
        ("Doe, J. Title. Times, May 4.", "Doe, J. Title. Times, May 4. Edition.", ["stray term (Edition, Publication)"]),
        ("Doe, J. A Study of Things between Us.", "Doe, J. A Study of Things Between Us.", ["capitalisation"]),
        ("Doe, J. (2000). Title. Sage.", "Doe, J. (2001). Title. Sage.", ["dates"]),
        ("Doe, J. (2000). Title. Sage.", "Doe, J. (2000). Other. Sage.", ["other"]),
    ],
)
def test_differences_are_classified(js: str, py: str, expected: list[str]) -> None:
    assert fa.classify(js, py, ITEM) == expected


def test_editors_repeated_after_substitution_are_one_category() -> None:
    js = "Denzin, N. K., & Lincoln, Y. S. (Eds.). (2000). Handbook of qualitative research. Sage."
    py = "Denzin, N. K., & Lincoln, Y. S. (Eds.). (2000). Handbook of qualitative research (N. K. Denzin & Y. S. Lincoln, eds.). Sage."
    assert fa.classify(js, py, ITEM) == ["substituted names, title or publisher repeated"]


def test_compare_matches_by_id_and_reports_order() -> None:
    js = [("a", "A. (2000). One."), ("b", "B. (2001). Two."), ("c", "C. (2002). Three.")]
    py = [("b", "B. (2001). Two."), ("a", "A. (2000).  One. "), ("c", "C. (2002). Drei.")]
    result = fa.compare("apa", js, py, [{"id": "a"}, {"id": "b"}, {"id": "c"}])
    assert (result.identical, result.entries, result.order_agrees) == (2, 3, False)
    assert result.categories == {"other": 1}


def test_attribute_gives_bare_texts_their_ids() -> None:
    items = [{"id": "a", "title": "One"}, {"id": "b", "title": "Two things"}]
    js = [("a", "A. (2000). One."), ("b", "B. (2001). Two things.")]
    assert fa.attribute(["B. (2001). Two Things.", "A. (2000). One."], js, items) == [
        ("b", "B. (2001). Two Things."),
        ("a", "A. (2000). One."),
    ]
