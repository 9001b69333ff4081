"""Rules about what Crossref and OpenAlex say of the references (RC5xx, ``check --verify``)."""

from __future__ import annotations

from collections.abc import Iterator

from refcheck.model import Edit, Reference, Severity, Span
from refcheck.rules.citations import entry_label
from refcheck.rules.registry import Context, Problem, Rule, fold, rule
from refcheck.verify import Outcome, Verification

RULES: list[Rule] = []

_SOURCES = {"crossref": "Crossref", "openalex": "OpenAlex"}


def _verified(context: Context, outcome: Outcome) -> Iterator[tuple[Reference, Verification]]:
    if context.online is None:
        return
    for verification in context.online.verified:
        if verification.outcome is outcome and 0 <= verification.reference < len(context.references):
            yield context.references[verification.reference], verification


def _source(verification: Verification) -> str:
    work = verification.work
    return _SOURCES.get(work.source, work.source) if work is not None else "the index"


@rule("RC501", "reference-not-found", Severity.WARNING, RULES)
def reference_not_found(context: Context) -> Iterator[Problem]:
    """An entry that neither Crossref nor OpenAlex has a record of, nor anything close to it.

    Only with ``--verify``. Journal articles, conference papers and chapters are
    searched for by title, first author and year; an entry is reported only when every
    search answered and no record came near it: check that the work exists and that its
    title and authors are written right. Books, reports, theses and web pages, which the
    indexes list patchily, are never reported.

    Bad:  ``Brightwater, L. (2018) ‘Tidal resonance in shallow lagoons’, Journal of Coastal Dynamics, 11(2), 30–41.`` (no such article)
    Good: ``Okonkwo, A. (2019) ‘Tidal resonance in narrow estuaries’, Journal of Coastal Dynamics, 12(3), 44–59.``
    """
    for reference, _ in _verified(context, Outcome.NOT_FOUND):
        yield context.entry_problem(
            reference,
            f"{entry_label(reference)} matches no record in Crossref or OpenAlex: check that the work "
            "exists and that its title and authors are right",
            reference.field_span("title"),
        )


@rule("RC502", "metadata-mismatch", Severity.ERROR, RULES)
def metadata_mismatch(context: Context) -> Iterator[Problem]:
    """An entry whose DOI leads to a record with another title, other authors or another year.

    Only with ``--verify``. A title is another when it is less than 65% alike (a missing
    subtitle, typos and case do not count); authors are others when not one of the entry's
    first five is in the record; a year is another when it is two or more years off every
    year the record gives (online-first and print years are both accepted). Usually the DOI
    was copied from the wrong entry.

    Bad:  ``Okonkwo, A. (2019) ‘Tidal resonance in narrow estuaries’ … https://doi.org/10.5555/lichen.2016.9`` (the DOI of another article)
    Good: ``Okonkwo, A. (2019) ‘Tidal resonance in narrow estuaries’ … https://doi.org/10.5555/tide.2019.001``
    """
    for reference, verification in _verified(context, Outcome.MISMATCH):
        source = _source(verification)
        differences = "; ".join(
            f"{field} ‘{ours}’ here, ‘{theirs}’ in {source}" for field, ours, theirs in verification.mismatches
        )
        doi = reference.doi or (verification.work.doi if verification.work is not None else "")
        yield context.entry_problem(
            reference,
            f"the DOI {doi} of {entry_label(reference)} is registered for a different work: {differences}",
            reference.field_span("DOI"),
        )


def _doi_insertion(context: Context, reference: Reference, url: str) -> Edit:
    """Put the DOI link at the end of the entry, after its closing full stop (or after one added)."""
    text = context.document.text
    end = reference.span.end
    while end > reference.span.start and text[end - 1].isspace():
        end -= 1
    last = text[end - 1] if end > reference.span.start else ""
    return Edit(Span(end, end), (" " if last in ".!?" else ". ") + url)


@rule("RC503", "missing-doi", Severity.INFO, RULES)
def missing_doi(context: Context) -> Iterator[Problem]:
    """An entry without a DOI for a work that has one.

    Only with ``--verify``, and only when the record found is a sure match. The fix adds
    the DOI as a link at the end of the entry (not in a bibliographic file's entries:
    add it there as the ``doi`` field).

    Bad:  ``Okonkwo, A. (2019) ‘Tidal resonance in narrow estuaries’, Journal of Coastal Dynamics, 12(3), 44–59.``
    Good: ``Okonkwo, A. (2019) ‘Tidal resonance in narrow estuaries’, Journal of Coastal Dynamics, 12(3), 44–59. https://doi.org/10.5555/tide.2019.001``
    """
    for reference, verification in _verified(context, Outcome.FOUND):
        work = verification.work
        if reference.doi or work is None or not work.doi:
            continue
        url = f"https://doi.org/{work.doi}"
        yield context.entry_problem(
            reference,
            f"{entry_label(reference)} gives no DOI; {_source(verification)} lists the work as {work.doi}",
            suggestion=url,
            fix=(_doi_insertion(context, reference, url),),
        )


def _says_retracted(reference: Reference) -> bool:
    """Whether the entry itself says the work is retracted ("[Retracted]", as APA asks)."""
    words = fold(reference.text).split()
    return "retracted" in words or "withdrawn" in words


@rule("RC504", "retracted", Severity.ERROR, RULES)
def retracted(context: Context) -> Iterator[Problem]:
    """An entry for a work that has been retracted or withdrawn.

    Only with ``--verify``: Crossref's update notices (the publisher's and Retraction
    Watch's), a "RETRACTED:" title, or OpenAlex's retraction flag. Cite a retracted work
    only to discuss its retraction, and say so.

    Bad:  ``Kowalczyk, M. (2017) ‘Rapid synthesis of copper nanowires in ambient water’ …`` (retracted in 2018)
    Good: the work that replaced it, or the entry marked ``[Retracted]`` where the text discusses the retraction.
    """
    for reference, verification in _verified(context, Outcome.FOUND):
        work = verification.work
        if work is not None and work.retraction and not _says_retracted(reference):
            yield context.entry_problem(
                reference,
                f"{entry_label(reference)} cites a work that has been {work.retraction}",
                reference.field_span("title"),
            )
