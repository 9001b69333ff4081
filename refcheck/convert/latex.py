"""LaTeX in BibTeX values: decoded to Unicode when read, special characters escaped when written."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = ["decode", "encode"]

# Combining marks → the LaTeX accent command that makes them.
_ACCENTS = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0308": '"', "\u0304": "=",
    "\u0307": ".", "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0306": "u", "\u0327": "c",
    "\u0328": "k", "\u0323": "d", "\u0331": "b",
}  # fmt: skip
# Letters with no decomposition that LaTeX has a command for.
_LETTERS = {
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "ø": r"{\o}",
    "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "ȷ": r"{\j}", "å": r"{\aa}", "Å": r"{\AA}",
}  # fmt: skip
# Characters that mean something to TeX, written so that they print as themselves.
_SPECIAL = {
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}",
}  # fmt: skip
# An unescaped % would start a TeX comment and swallow the rest of the line.
_BARE_PERCENT = re.compile(r"(?<!\\)%")
# TeX ligatures that would turn two characters into one: -- ` `` '' ?` !`.
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[?!])(?=`)")
_URL = re.compile(r"\\(?:url|href)\s*\{([^{}]*)\}(?:\{([^{}]*)\})?")


def _letter(char: str) -> str:
    if char in _LETTERS:
        return _LETTERS[char]
    if char.isascii() or not char.isalpha():
        return char
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    if len(marks) != 1 or marks not in _ACCENTS or not base.isascii():
        return char  # no LaTeX spelling we trust: left as Unicode (BibTeX reads UTF-8)
    command = _ACCENTS[marks]
    if base == "i" and not command.isalpha():
        base = r"\i"  # a dotless i under the accent, as LaTeX wants
    return "{\\" + command + ("{" + base + "}" if command.isalpha() else base) + "}"


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0


def encode(text: str, ascii_letters: bool = True) -> str:
    """``text`` as a BibTeX value: TeX's special characters escaped and, with
    ``ascii_letters``, accented letters as LaTeX accents (``ö`` → ``{\\"o}``)."""
    special = "".join(_SPECIAL.get(c, c) for c in text)
    if not _balanced(text):
        # BibTeX counts braces even after a backslash: a lone one would end the value.
        special = special.replace(r"\{", r"\textbraceleft{}").replace(r"\}", r"\textbraceright{}")
    special = _LIGATURE.sub("{}", special)
    if not ascii_letters:
        return special
    return "".join(_letter(c) for c in special)


@lru_cache(maxsize=1)
def _decoder() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    # pylatexenc prints these three as look-alikes (ˆ) or not at all; they stand for themselves.
    own = [MacroTextSpec("textasciicircum", "^"), MacroTextSpec("textbraceleft", "{"),
           MacroTextSpec("textbraceright", "}")]
    context = get_default_latex_context_db()
    context.add_context_category("refcheck", macros=own, prepend=True)
    return LatexNodes2Text(latex_context=context, math_mode="verbatim", strict_latex_spaces=True)


def decode(value: str) -> str:
    """A BibTeX value as Unicode: accents and commands decoded, protective braces
    dropped, ``--`` as an en dash, ``~`` as a space, white space collapsed."""
    value = _URL.sub(lambda m: m.group(2) or m.group(1), value)
    if "\\" in value or "{" in value or "~" in value or "-" in value or "`" in value or "'" in value:
        value = _decoder().latex_to_text(_BARE_PERCENT.sub(r"\\%", value))
    return " ".join(value.replace("\xa0", " ").split())
