"""What refcheck changes in citeproc-py when it loads: speed on long lists, and the gaps
between citeproc-py's output and citeproc-js's (the reference implementation of CSL).

citeproc-py has no hooks, so the changes replace a few of its methods, once per process,
before the first style is parsed.  Each says what it fixes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
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
    _cache_conditions(model)
    _fix_sorting(model)
    _fix_initialize_false(model)
    _fix_labels(model)
    _fix_page_ranges(model)
    _fix_title_case(model)
    _fix_substitution(model)
    _fix_suppressed_output(model)
    _fix_group_constants(model)


def _cache_conditions(model: Any) -> None:
    """Conditions on the item type and the variables' names, and each element's root, worked
    out once per element (citeproc-py split the attribute again on every test)."""
    types: dict[tuple[Any, str], list[bool]] = {}

    def type_test(self: Any, item: Any) -> list[bool]:
        kind = item.reference.type
        found = types.get((self, kind))
        if found is None:
            found = types[(self, kind)] = [typ.lower() == kind for typ in self.get("type").split()]
        return found

    names: dict[Any, list[str]] = {}

    def variable_test(self: Any, item: Any) -> list[bool]:
        wanted = names.get(self)
        if wanted is None:
            wanted = names[self] = [var.replace("-", "_") for var in self.get("variable").split()]
        reference = item.reference
        return [("locator" in item) if var == "locator" else (var in reference) for var in wanted]

    model.If._type = type_test
    model.If._variable = variable_test
    roots: dict[Any, Any] = {}
    get_root = model.CitationStylesElement.get_root

    def cached_root(self: Any) -> Any:
        root = roots.get(self)
        if root is None:
            root = roots[self] = get_root(self)
        return root

    model.CitationStylesElement.get_root = cached_root
    options: dict[tuple[Any, str], Any] = {}
    get_option = model.CitationStylesElement.get_option

    def cached_option(self: Any, name: str) -> Any:
        key = (self, name)
        if key in options:
            return options[key]
        value = options[key] = get_option(self, name)
        return value

    model.CitationStylesElement.get_option = cached_option
    locale_options: dict[tuple[Any, str], Any] = {}
    locale_option = model.Locale.get_option
    missing = object()

    def cached_locale_option(self: Any, name: str) -> Any:
        key = (self, name)
        value = locale_options.get(key)
        if value is None:
            try:
                value = locale_option(self, name)
            except IndexError:  # no style-options in this locale
                value = missing
            locale_options[key] = value
        if value is missing:
            raise IndexError(name)
        return value

    model.Locale.get_option = cached_locale_option
    locale_roots: dict[Any, bool] = {}

    def formatter(self: Any) -> Any:
        root = cached_root(self)
        in_locale = locale_roots.get(root)
        if in_locale is None:
            in_locale = locale_roots[root] = isinstance(root, model.Locale)
        return root.style.formatter if in_locale else root.formatter

    model.CitationStylesElement.get_formatter = formatter


def _collation_key(text: str) -> str:
    """What citeproc-js compares when it sorts (a locale collator that ignores case, accents
    and punctuation): "Ångström" sorts with the A's, not after the Z's."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = [c for c in decomposed if not unicodedata.combining(c)]
    folded = "".join(c for c in kept if c.isalnum() or c.isspace()).casefold()
    return " ".join(folded.split())


def _fix_sorting(model: Any) -> None:
    """Sort keys compared as a collator does rather than by raw code points."""

    def sort(self: Any, items: list[Any], context: Any) -> list[Any]:
        columns: list[tuple[list[Any], list[Any], bool]] = []
        for key in self.findall("cs:key", self.nsmap):
            descending = key.get("sort", "ascending").lower() == "descending"
            keys = key.sort_keys(items, context)
            columns.append((keys, [None if k is None else _comparable(k) for k in keys], descending))

        def compare(a: int, b: int) -> int:
            for keys, values, descending in columns:
                left, right = keys[a], keys[b]
                if left is None or right is None:  # an item without the key goes last
                    if left is None and right is None:
                        continue
                    return 1 if left is None else -1
                left_value: Any = values[a]
                right_value: Any = values[b]
                if left_value[0] != right_value[0]:  # a number beside text: both as text
                    left_value, right_value = _text_key(str(left)), _text_key(str(right))
                result = int(left_value > right_value) - int(left_value < right_value)
                if result:
                    return -result if descending else result
            return 0

        order = sorted(range(len(items)), key=functools.cmp_to_key(compare))
        return [items[i] for i in order]

    model.Sort.sort = sort


_NUMERIC_KEY = re.compile(r"\d+(?:-\d+){0,2}")


def _comparable(value: Any) -> Any:
    """A sort key as citeproc-js compares it: numbers and dates by value ("1960" before
    "1973-04-03"), text with a collator."""
    text = str(value).strip()
    if _NUMERIC_KEY.fullmatch(text):
        parts = [int(part) for part in text.split("-")]
        if len(parts) == 1 and len(text) == 8:  # 19730403
            parts = [int(text[:4]), int(text[4:6]), int(text[6:])]
        return ("number", tuple(parts + [0] * (3 - len(parts))))
    return _text_key(text)


def _text_key(text: str) -> tuple[str, str, str]:
    return ("text", _collation_key(text), text.casefold())


_INITIAL_PART = re.compile(r"[^\s.]+\.?")


def _fix_initialize_false(model: Any) -> None:
    """``initialize="false"``: given names stay whole and only initials already there are
    written with the style's mark ("Nicholas J."), where citeproc-py shortens them all."""
    initialize = model.Name.initialize

    def patched(self: Any, given: str, mark: str, context: Any) -> str:
        if _setting(self, "initialize") != "false":
            if any(part[:1].isalpha() and not part[:1].islower() and not part[:1].isupper()
                   for part in given.split()):  # fmt: skip
                # A script without case (Arabic): citeproc-py took every part for a particle.
                return _initials(given, mark)
            return str(initialize(self, given, mark, context))
        out: list[str] = []
        group: list[str] = []
        for part in _INITIAL_PART.findall(given):
            letters = part.rstrip(".")
            if len(letters) == 1 and letters.isupper():
                group.append(letters)
                continue
            if group:
                out.append(mark.join(group) + mark)
                group = []
            out.append(part)
        if group:
            out.append(mark.join(group) + mark)
        return " ".join(" ".join(out).split())

    model.Name.initialize = patched


def _initials(given: str, mark: str) -> str:
    """Every part of a given name as an initial: "سامي نور" → "س. ن."."""
    return (mark.join(part[0] for part in given.replace("-", " ").split()) + mark).strip()


def _fix_labels(model: Any) -> None:
    """A label prints only beside its variable (citeproc-py printed "Edition." on every
    newspaper article in Chicago), and English terms take the style's text case ("(Eds.)"
    in APA, where citeproc-py applied title case to no term)."""
    process = model.Label.process
    case = model.Label.case

    def patched_process(self: Any, item: Any, variable: Any = None, *args: Any, **kwargs: Any) -> Any:
        name = variable if variable is not None else self.get("variable")
        if name and name != "locator" and not str(name).startswith("number-of"):
            try:
                item.reference[str(name).replace("-", "_")]
            except Exception:  # citeproc-py's VariableError: the variable is missing
                return None
        return process(self, item, variable, *args, **kwargs)

    def patched_case(self: Any, text: Any, language: Any = None) -> Any:
        if language is None and _english(self):
            language = "en"
        return case(self, text, language)

    model.Label.process = patched_process
    model.Label.case = patched_case


def _english(element: Any) -> bool:
    lang = element.get_root().get("default-locale") or "en-US"
    return str(lang).startswith("en")


def _setting(element: Any, name: str) -> str | None:
    """An inheritable name option: on the element, its citation or bibliography, or the style."""
    node = element
    while node is not None:
        value = node.get(name)
        if value is not None:
            return str(value)
        node = node.getparent()
    return None


def punctuation_in_quote(style: Any) -> bool:
    """Whether the style's locale puts a following full stop or comma inside closing quotes
    (American English does), which citeproc-py ignores."""
    for locale in getattr(style.root, "locales", ()):
        try:
            return str(locale.get_option("punctuation-in-quote")).lower() == "true"
        except (IndexError, KeyError):
            continue
    return False


_AFTER_QUOTE = re.compile(r"([”’])([.,])")
_NUMBER_FIELD = re.compile(r"^([\[(]?\d+[\].)]?)(?=\S)")
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_STOP_AFTER_MARK = re.compile(r"([?!])([”’\"]?)\.")
_DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)|,,")


def tidy_entry(text: str, inside_quotes: bool, number_field: bool) -> str:
    """What citeproc-js does to a finished entry and citeproc-py does not:

    * punctuation inside closing quotes where the locale says so: “Lessons Learned”. →
      “Lessons Learned.”;
    * a space after the citation number of a style that aligns the second field: "[1] N. J.";
    * typographic apostrophes: O'Brien → O’Brien;
    * no full stop after a question or exclamation mark, no doubled stops or commas:
      "Why now?." → "Why now?".
    """
    if inside_quotes:
        text = _AFTER_QUOTE.sub(lambda m: m.group(2) + m.group(1), text)
    if number_field:
        text = _NUMBER_FIELD.sub(r"\1 ", text, count=1)
    text = _APOSTROPHE.sub("’", text)
    text = _STOP_AFTER_MARK.sub(r"\1\2", text)
    return _DOUBLED.sub(lambda m: m.group()[0], text)


def _fix_page_ranges(model: Any) -> None:
    """Page ranges: a last page longer than the first ("3-23") stays whole (citeproc-py
    printed "3–3"), an abbreviated one ("321-8") is read as 321–328 first, and
    ``chicago-16`` shortens four-digit ranges as the 16th edition does ("1088–113")."""
    format_last = model.FormatNumber._format_last_page

    def patched(self: Any, first: str, last: str) -> str:
        if first.isdigit() and last.isdigit():
            if len(last) > len(first):
                return last
            if len(last) < len(first):
                last = first[: len(first) - len(last)] + last
            if self.get_root().get_option("page-range-format") == "chicago-16":
                return _chicago16(first, last)
        return str(format_last(self, first, last))

    model.FormatNumber._format_last_page = patched


def _chicago16(first: str, last: str) -> str:
    number = int(first)
    if number < 100 or number % 100 == 0:
        return last
    common = 0
    while common < len(first) and first[common] == last[common]:
        common += 1
    if number % 100 < 10:
        return last[common:] or last[-1:]
    return last[min(common, len(first) - 2) :]


# citeproc-js's words that title case leaves in lower case (its CSL.SKIP_WORDS, one-word ones).
_SKIP_WORDS = frozenset(
    """about above across afore after against al along alongside amid amidst among amongst anenst
    apropos apud around as aside astride at athwart atop barring before behind below beneath beside
    besides between beyond but by circa despite down during et except for forenenst from given in
    inside into lest like modulo near next notwithstanding of off on onto out over per plus pro qua
    sans since than through thru throughout thruout till to toward towards under underneath until
    unto up upon versus vs. v. vs v via vis-à-vis with within without or yet so and nor a an the de
    d' von van c ca""".split()
)
_EDGE_PUNCTUATION = "“”\"‘’'()[]{}.,;:?!"


def _fix_title_case(model: Any) -> None:
    """Title case as citeproc-js does it: words in lower case capitalised except its stop words
    (a longer list than citeproc-py's: "towards", "between"), unless first, last or after a
    colon; one-letter words and words with capitals left alone."""
    case = model.TextCased.case

    def patched(self: Any, text: Any, language: Any = None) -> Any:
        if self.get("text-case") != "title" or language not in ("en", None) or not hasattr(text, "words"):
            return case(self, text, language)
        if language is None and not _english(self):
            return case(self, text, language)
        words = list(text.words())
        out = []
        after_punct = True
        for i, word in enumerate(words):
            bare = str(word).strip(_EDGE_PUNCTUATION)
            lower = bare.lower()
            skip = lower in _SKIP_WORDS and not after_punct and i < len(words) - 1
            if word.islower() and not skip and (len(bare) > 1 or after_punct):
                word = word.capitalize_first()
            out.append(word)
            after_punct = str(word).rstrip("”’\"')").endswith((":", "?", "!", "."))
        return _join(text, out) if out else text

    model.TextCased.case = patched


def _join(text: Any, words: list[Any]) -> Any:
    joined = words[0]
    for word in words[1:]:
        joined = joined + " " + word
    return joined


def reset_item(item: Any) -> None:
    """Forget what an earlier rendering of ``item`` substituted (before each entry, sort key)."""
    item.__dict__.pop("_suppressed", None)


def _fix_substitution(model: Any) -> None:
    """What cs:substitute put in place of a missing author is not printed again in the entry
    (CSL: substituted variables are suppressed for the rest of the output).  citeproc-py
    printed the editors twice ("Denzin, N. K., & Lincoln, Y. S. (Eds.). (2000). Handbook
    (N. K. Denzin & Y. S. Lincoln, Eds.)") and titles and publishers twice."""
    from citeproc.source import VariableError

    def render(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
        for child in self.getchildren():
            try:
                if isinstance(child, model.Names) and child.name is None:
                    names = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            if text:
                self.add_to_repressed_list(child, context)
                _suppress(item, _variables(child))
                return text
        return None

    model.Substitute.render = render
    sort_keys = model.Key.sort_keys

    def patched_sort_keys(self: Any, items: list[Any], context: Any) -> Any:
        for item in items:
            reset_item(item)
        return sort_keys(self, items, context)

    model.Key.sort_keys = patched_sort_keys


_VARIABLES: dict[Any, set[str]] = {}


def _variables(element: Any) -> set[str]:
    """The variables an element prints, through the macros it calls (worked out once)."""
    if element in _VARIABLES:
        return _VARIABLES[element]
    found: set[str] = set()
    stack = [element]
    while stack:
        node = stack.pop()
        for name in (node.get("variable") or "").split():
            found.add(name)
        macro = node.get("macro")
        if macro:
            stack.append(node.get_macro(macro))
        stack.extend(node.iterchildren())
    _VARIABLES[element] = found
    return found


def _suppress(item: Any, variables: set[str]) -> None:
    item.__dict__.setdefault("_suppressed", set()).update(variables)


def _suppressed(item: Any, variable: str | None) -> bool:
    found = item.__dict__.get("_suppressed")
    return bool(found) and variable is not None and variable in found


def _fix_suppressed_output(model: Any) -> None:
    """The elements that print a variable print nothing for a substituted one; conditions
    still see it (as citeproc-js does: APA's "editor" test must hold after the editors
    stood in for the authors)."""
    from citeproc.source import VariableError

    text_variable = model.Text._variable

    def patched_text(self: Any, item: Any, context: Any) -> Any:
        if _suppressed(item, self.get("variable")):
            return None
        return text_variable(self, item, context)

    model.Text._variable = patched_text
    for cls in (model.Number, model.Date):
        process = cls.process

        def patched(self: Any, item: Any, *args: Any, _process: Any = process, **kwargs: Any) -> Any:
            if _suppressed(item, self.get("variable")):
                raise VariableError
            return _process(self, item, *args, **kwargs)

        cls.process = patched
    names_process = model.Names.process

    def patched_names(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and kwargs.get("names_context") is None:
            # A bare cs:names in a cs:substitute takes its parent's cs:name and cs:label even
            # inside a cs:choose (citeproc-py passed them only to direct children: Chicago's
            # editors came out as "A. S. Ahn, G. Matsuda" instead of "Ahn, Alexander Scott, …, eds.").
            outer = _substituted_for(self)
            if outer is not None:
                kwargs["names_context"] = outer
        roles = (self.get("variable") or "").split()
        if not any(_suppressed(item, role) for role in roles):
            return names_process(self, item, *args, **kwargs)
        kept = [role for role in roles if not _suppressed(item, role)]
        if not kept:
            raise VariableError
        self.set("variable", " ".join(kept))  # for this call only
        try:
            return names_process(self, item, *args, **kwargs)
        finally:
            self.set("variable", " ".join(roles))

    model.Names.process = patched_names


_OUTER_NAMES: dict[Any, Any] = {}


def _substituted_for(names: Any) -> Any:
    """The cs:names whose cs:substitute holds ``names`` when ``names`` has no cs:name."""
    if names in _OUTER_NAMES:
        return _OUTER_NAMES[names]
    outer = None
    if names.find("cs:name", names.nsmap) is None:
        node = names.getparent()
        while node is not None and not str(node.tag).endswith("}substitute"):
            node = node.getparent()
        if node is not None:
            outer = node.getparent()
    _OUTER_NAMES[names] = outer
    return outer


def _fix_group_constants(model: Any) -> None:
    """A group prints only if a variable in it printed: a cs:choose whose chosen branch holds
    only constant text does not count (APA's theses got a stray "(Publication)")."""
    from citeproc.source import VariableError

    def process(self: Any, item: Any, context: Any = None, **kwargs: Any) -> Any:
        output = []
        variable_called = variable_rendered = False
        delimiter = self.get("delimiter", "")
        for child in self.iterchildren():
            try:
                if isinstance(child, model.Choose):
                    text, calls = _choose(model, child, item, context, delimiter, kwargs)
                else:
                    calls = child.calls_variable()
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                variable_called = variable_called or bool(child.calls_variable())
                continue
            variable_called = variable_called or calls
            if text is not None:
                output.append(text)
                variable_rendered = variable_rendered or calls
        if output and (not variable_called or variable_rendered):
            return self.join(output)
        raise VariableError

    model.Group.process = process


def _choose(model: Any, choose: Any, item: Any, context: Any, delimiter: str, kwargs: Any) -> tuple[Any, bool]:
    """The text of a cs:choose and whether its chosen branch calls a variable."""
    for branch in choose.getchildren():
        try:
            text = branch.render(item, context=context, delimiter=delimiter, **kwargs)
        except model.ConditionFailed:
            continue
        return text, any(child.calls_variable() for child in branch.iterchildren())
    return None, False



def substitute_authors(layout: Any, cited: list[Any], entries: list[tuple[int, str]], mark: str) -> list[tuple[int, str]]:
    """``subsequent-author-substitute`` (MLA's "———"), which citeproc-py ignores: an entry
    whose names are those of the entry before it starts with the mark instead (the
    "complete-all" rule, CSL's default)."""
    found = _first_names(layout)
    if found is None:
        return entries
    names, context = found
    out: list[tuple[int, str]] = []
    previous = None
    for item, (index, entry) in zip(cited, entries):
        reset_item(item)
        layout.repressed = {}
        try:
            text = names.render(item, context=context)
        except Exception:  # citeproc-py's VariableError: no names
            text = None
        reset_item(item)
        people = _people(item)
        current = (str(text), people) if text else None
        if current and current == previous and entry.find(current[0]) >= 0:
            at = entry.find(current[0])
            # The names' closing stop ("et al.") stays after the mark: "———. Title".
            kept = "." if current[0].endswith(".") and not mark.endswith(".") else ""
            entry = entry[:at] + mark + kept + entry[at + len(current[0]) :]
        out.append((index, entry))
        previous = current
    return out


def _people(item: Any) -> str:
    """Every name of an item, so that two lists cut short by et al. are not taken for one."""
    reference = item.reference
    return repr([reference.get(role) for role in ("author", "editor", "translator")])


def _first_names(layout: Any) -> tuple[Any, Any] | None:
    """The first cs:names a bibliography entry prints, through macros, and the element of the
    layout it is reached from (the context citeproc-py renders it in)."""
    for top in layout.iterchildren():
        stack = [top]
        while stack:
            node = stack.pop()
            if node.tag.endswith("}names"):
                return node, top
            children = list(node.iterchildren())
            macro = node.get("macro")
            if macro:
                children = [node.get_macro(macro), *children]
            stack.extend(reversed(children))
    return None
