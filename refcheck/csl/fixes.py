"""What refcheck changes in citeproc-py when it loads: speed on long lists, and the gaps
between citeproc-py's output and citeproc-js's (the reference implementation of CSL).

citeproc-py has no hooks, so the changes replace a few of its methods, once per process,
before the first style is parsed.  Each says what it fixes.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["patch_citeproc"]


@functools.cache
def patch_citeproc() -> None:
    """Make citeproc-py remember what never changes once a style is parsed.

    citeproc-py runs an XPath query for every macro call and term lookup and walks the
    style again to learn whether a group calls a variable: three quarters of its time on
    a long list.  Styles are never changed after parsing, so the answers are kept per
    element (the cache also keeps lxml's proxy objects alive, which keeps them stable).
    """
    from citeproc import model

    searched: dict[tuple[Any, str], Any] = {}
    search = model.CitationStylesElement.xpath_search

    def xpath_search(self: Any, expression: str) -> Any:
        key = (self, expression)
        found = searched.get(key)
        if found is None:
            found = searched[key] = search(self, expression)
        return found

    model.CitationStylesElement.xpath_search = xpath_search
    for cls in (model.Parent, model.Text):
        calls = cls.calls_variable
        answers: dict[Any, bool] = {}

        def calls_variable(self: Any, _calls: Any = calls, _answers: dict[Any, bool] = answers) -> bool:
            answer = _answers.get(self)
            if answer is None:
                answer = _answers[self] = _calls(self)
            return answer

        cls.calls_variable = calls_variable

    from citeproc import source

    def reference(self: Any) -> Any:
        # Looked up for every condition a style tests: once per item is enough.
        cached = self.__dict__.get("_reference")
        if cached is None:
            cached = self.__dict__["_reference"] = self.bibliography.source[self.key]
        return cached

    def number(self: Any) -> int:
        # citeproc-py finds an item's number with list.index: quadratic on a long list.
        keys = self.bibliography.keys
        index = self.bibliography.__dict__.get("_numbers")
        if index is None or index[0] != len(keys):
            index = (len(keys), {key: n for n, key in reversed(list(enumerate(keys, 1)))})
            self.bibliography.__dict__["_numbers"] = index
        return int(index[1][self.key])

    source.CitationItem.reference = property(reference)
    source.CitationItem.number = property(number)
