"""refcheck: check an article's in-text citations against its reference list."""
