"""The whole pipeline on random and hostile text: never an exception, never a hang."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refcheck.check import check_text
from refcheck.report import json_report, text_report

FRAGMENTS = [
    "(", ")", "[", "]", "; ", ": ", ", ", " and ", " & ", " et al.", "Smith", "van der Berg", "Müller",
    "2019", "2019a", "n.d.", "September 20th 2018", "p. 4", "\n", "\n\n", "References\n", "## References\n",
    "‘", "’", "`", "“", "”", "https://", "www.", "doi:10.", "/", "Available at:", "(Accessed on 3 May 2020)",
    "[1]", "[1–3]", "1. ", "Leave a Reply", "\u00a0", "–", "—", "Smith, J. (2019) Title. London: Press.",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=20), max_size=60).map("".join))
def test_check_never_raises(text: str) -> None:
    result = check_text(text, "random.md")
    for finding in result.findings:
        assert 0 <= finding.span.start <= finding.span.end <= len(text)
    text_report([result])
    json_report([result])


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_check_never_raises_on_any_text(text: str) -> None:
    check_text(text, "random.txt")


@pytest.mark.parametrize(
    "hostile",
    [
        "(" * 100_000,
        "[1," * 33_000,
        "Smith and " * 10_000 + "(2019)",
        "Smith, " * 15_000 + "2019",
        "\n" * 100_000,
        " \n" * 50_000 + "References\n" + "Smith, J. (2019) " * 5_000,
        "Smith, J. (2019) ‘" * 6_000,
        "a" * 100_000,
        "(Smith, 2019; " * 7_000,
        "References\n" + "1. " * 30_000,
        "www." * 25_000,
        "10.1/" * 20_000,
    ],
)
def test_linear_on_hostile_input(hostile: str) -> None:
    start = time.perf_counter()
    check_text(hostile, "hostile.md")
    assert time.perf_counter() - start < 5.0  # a hang guard, not a benchmark


def test_same_input_same_bytes() -> None:
    text = "Tides (Marsh, 2018) and (Okafor, 2021).\n\n## References\n\nMarsh, P. (2019) Tides. London: Sea Press.\n"
    assert json_report([check_text(text, "a.md")]) == json_report([check_text(text, "a.md")])
    assert text_report([check_text(text, "a.md")]) == text_report([check_text(text, "a.md")])
