"""Conversion of CSL-JSON items to other bibliographic formats."""

from __future__ import annotations

from refcheck.convert.bibtex import to_bibtex
from refcheck.convert.ris import to_ris

__all__ = ["to_bibtex", "to_ris"]
