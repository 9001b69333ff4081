"""The bibliography manager: ``refcheck bib lint|tidy|merge|add`` over .bib (and CSL-JSON) libraries."""
