"""Bibliographic formats: CSL-JSON items written as BibTeX, biblatex, CSL-JSON, CSL-YAML and RIS,
and read back from them (refcheck.sources picks the reader for a file)."""

from __future__ import annotations

from refcheck.convert.bibtex import from_bibtex, to_biblatex, to_bibtex
from refcheck.convert.csljson import from_csl_json, from_csl_yaml, to_csl_json, to_csl_yaml
from refcheck.convert.ris import from_ris, to_ris

__all__ = [
    "from_bibtex", "from_csl_json", "from_csl_yaml", "from_ris",
    "to_biblatex", "to_bibtex", "to_csl_json", "to_csl_yaml", "to_ris",
]  # fmt: skip
