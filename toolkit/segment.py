"""Deterministic, rule-based sentence segmentation for English news text.

Standard library only; no models, no downloads, no locale dependence.  The same input
always gives the same spans, on every platform and Python 3.11+ version.

Versioning
----------
Sentence numbers are frozen together with coded articles (an event points at "sentence 7
of article X").  Any change that alters the output of :func:`segment` for any input -- a
new abbreviation, a different rule, a bug fix -- MUST bump :data:`SEGMENTER_VERSION`, so
that stored sentence numbers can be traced to the segmenter that produced them.

Output invariants
-----------------
* Spans are in text order, non-overlapping and non-empty.
* No span starts or ends with whitespace (``str.isspace``).
* Every non-whitespace character of the text lies in exactly one span; whitespace-only
  text (and ``""``) gives ``[]``.
* No span contains a line break.

Rules
-----
1. **Line breaks.**  Every line break is a boundary: blank lines (paragraphs) and single
   newlines alike, because news files put captions, headlines and datelines on lines of
   their own.  Line breaks are exactly those of ``str.splitlines``: ``\\n``, ``\\r``,
   ``\\r\\n``, ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, ``\\u2028``, ``\\u2029``.
2. **Candidates.**  Within a line, a boundary candidate is a run of terminators
   (``.`` ``!`` ``?`` ``…``), optionally followed by closing quotes/brackets
   (``" ' ” ’ » › ) ] }``), followed by whitespace.  The boundary is taken only if the
   next non-space character is an upper-case (or title-case) letter, a digit, or an
   opening quote/bracket (``" ' “ ‘ « ‹ „ ‚ ( [ { ¿ ¡``).  So ``"Are you sure?" she
   asked.`` stays one sentence, ``He said "we will win." Then he left.`` is two.
3. **Strong terminators.**  A run containing ``!`` or ``?``, an ellipsis (``…``, ``...``,
   any run of two or more dots), or a single ``.`` followed by a closing quote/bracket
   (``."`` ``.)``) is a boundary whenever rule 2 holds.
4. **A lone period** is judged by the token before it (the non-space run, leading
   opening punctuation removed):

   * *Never a boundary* after titles and a few Latin/legal abbreviations: Mr, Mrs, Ms,
     Dr, Prof, Gen, Col, Lt, Maj, Capt, Sgt, Cmdr, Adm, Brig, Gov, Sen, Rep, Rev, Pres,
     Amb, Insp, Supt, Atty, Hon, ... and v, vs, e.g., i.e., cf, viz, approx.
   * *Soft* abbreviations -- St, Mt, Ft, Ave, Blvd, Rd, Co, Corp, Inc, Ltd, Bros, Jr, Sr,
     No, Nos, est, dept, Fig, Vol, Ph.D., month and weekday abbreviations (Jan ... Dec,
     Mon ... Sun), dotted acronyms (U.S., U.N., U.K., E.U., a.m., p.m., D.C., any
     ``X.Y.`` of single letters) and single-letter initials ("George W. Bush",
     "J. R. R. Tolkien") -- are a boundary ONLY when the next word is a closed-class
     sentence starter (The, He, She, It, They, But, In, On, However, Meanwhile, ...; see
     ``_STARTERS``).  Hence ``U.S. President``, ``a.m. Tuesday``, ``Acme Inc. Chief
     Executive``, ``Jan. 5``, ``No. 10`` and ``King Jr. Day`` do not split, while
     ``in the U.S. The`` and ``at 9 a.m. He`` do.  After an initial the starter must be
     longer than one letter, so ``J. A. Smith`` does not split.  This deliberately
     prefers under-splitting: "U.S." followed by a capitalised noun stays joined.
   * A number that is the first token of its line (``1. Introduction``, ``3.2. Results``)
     is a list/section number, never a boundary.
   * Anything else (ordinary words, numbers, URLs, "etc") is a boundary per rule 2.
     "etc." therefore splits before a capital but not before a lower-case word.
5. Decimals, versions, section numbers, URLs and e-mail addresses ("3.5", "$1.2
   billion", "1.2.3", "www.example.com", "a@b.org") contain no whitespace after their
   dots and are never candidates.

Performance: one compiled-regex ``finditer`` pass over the text; per-candidate work is
bounded (token look-back is capped at ``_MAX_TOKEN`` characters), so run time is linear
in the text length, including for degenerate inputs such as a megabyte of dots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SEGMENTER_VERSION", "Span", "segment", "sentences"]

SEGMENTER_VERSION: str = "evtk-seg/1"  # bump when behaviour changes


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence as ``text[start:end]``; never begins or ends with whitespace."""

    start: int  # character offset into the text (Python str index), inclusive
    end: int  # exclusive


# Line breaks recognised by str.splitlines (\r\n is two breaks with nothing between).
_LINE_BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_TERMINATORS = ".!?\u2026"
_CLOSERS = "\"'\u201d\u2019\u00bb\u203a)]}"
_OPENERS = "\"'\u201c\u2018\u00ab\u2039\u201e\u201a([{\u00bf\u00a1"

_TERM_CLASS = "[" + re.escape(_TERMINATORS) + "]"
_INLINE_WS = r"[^\S" + _LINE_BREAK_CHARS + "]"

# One pass: either a line break, or a terminator run (not starting inside another run)
# + closers, followed (lookahead, not consumed) by same-line whitespace and a
# non-space character.  Possessive quantifiers keep failed candidates from backtracking.
_SCAN = re.compile(
    "(?P<nl>[" + _LINE_BREAK_CHARS + "])"
    "|(?<!" + _TERM_CLASS + ")"
    "(?P<term>" + _TERM_CLASS + "++)"
    "(?P<close>[" + re.escape(_CLOSERS) + "]*+)"
    "(?=" + _INLINE_WS + "++(?P<next>\\S))"
)
_LEADING_OPENERS = re.compile(r"[^\w]+")
_NEXT_WORD = re.compile("[" + re.escape(_OPENERS) + r"]*+(\w{1,40})")
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*")

_MAX_TOKEN = 64

# A period after these never ends a sentence.
_HARD: frozenset[str] = frozenset(
    {
        # personal and professional titles
        "Mr", "Mrs", "Ms", "Messrs", "Mme", "Mlle", "Dr", "Drs", "Prof", "Profs",
        "Rev", "Hon", "Pres", "Amb", "Insp", "Supt", "Atty", "Gov", "Govs",
        "Sen", "Sens", "Rep", "Reps",
        # military ranks
        "Gen", "Gens", "Col", "Cols", "Lt", "Maj", "Capt", "Sgt", "Cpl", "Pvt",
        "Cmdr", "Cdr", "Adm", "Brig",
        # Latin / legal
        "v", "vs", "Vs", "e.g", "E.g", "i.e", "I.e", "cf", "Cf", "viz", "approx", "Approx",
    }
)  # fmt: skip

# A period after these ends a sentence only before a closed-class sentence starter.
_SOFT: frozenset[str] = frozenset(
    {
        # places
        "St", "Ste", "Mt", "Ft", "Ave", "Blvd", "Rd",
        # companies and name suffixes
        "Co", "Cos", "Corp", "Inc", "Ltd", "Bros", "Jr", "Sr", "Ph.D",
        # numbering and misc
        "No", "Nos", "est", "Est", "dept", "Dept", "Fig", "Figs", "Vol", "Vols",
        # months and weekdays
        "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
        "Mon", "Tue", "Tues", "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun",
    }
)  # fmt: skip

# Closed-class words that begin sentences but essentially never follow a soft
# abbreviation, acronym or initial inside a sentence.  Capitalised forms only.
_STARTERS: frozenset[str] = frozenset(
    """
    A An The This That These Those There Then Thus Their They Them He She It Its We I
    You His Her Our My Mr Mrs Ms
    But And Or So Yet Nor However Meanwhile Moreover Furthermore Nevertheless
    Nonetheless Instead Also Even Only Once
    In On At After Before When While As If Although Though Since Because Despite During
    For From With Without By Under Until Among Amid Across Through Throughout Following
    Last Earlier Later Now Today Yesterday Tomorrow
    Some Many Most Several All Both Each Such Other Others Another
    What Who Whom Whose Which Why How Where Not No Neither Either According
    """.split()
)


def _is_boundary(text: str, m: re.Match[str], line_start: int) -> bool:
    """Decide whether the candidate ``m`` (a terminator run) ends a sentence."""
    nxt = text[m.start("next")]
    if not (nxt.isupper() or nxt.istitle() or nxt.isdigit() or nxt in _OPENERS):
        return False
    term = m.group("term")
    if term != "." or m.group("close"):
        return True  # ! ? ellipsis, or a period closed by a quote/bracket

    pos = m.start("term")
    window_start = max(line_start, pos - _MAX_TOKEN)
    window = text[window_start:pos]
    if not window or window[-1].isspace():
        return True  # period after whitespace (e.g. the end of ". . .")
    parts = window.split()
    raw = parts[-1]
    raw_start = pos - len(raw)
    if raw_start == window_start and window_start > line_start and not text[window_start - 1].isspace():
        return True  # token longer than _MAX_TOKEN: not an abbreviation
    lead = _LEADING_OPENERS.match(raw)
    token = raw[lead.end() :] if lead else raw
    if not token or token[-1] in _CLOSERS:
        return True

    if token in _HARD:
        return False
    initial = len(token) == 1 and token.isalpha()
    if initial or token in _SOFT or _DOTTED_ACRONYM.fullmatch(token):
        word_m = _NEXT_WORD.match(text, m.start("next"))
        word = word_m.group(1) if word_m else ""
        if initial and len(word) < 2:
            return False
        return word in _STARTERS
    if _SECTION_NUMBER.fullmatch(token):
        # Only the whitespace run just before the token is scanned (amortised linear).
        j = raw_start - 1
        while j >= line_start and text[j].isspace():
            j -= 1
        if j < line_start:
            return False  # "1. Introduction": list / section number at line start
    return True


def _emit(text: str, start: int, end: int, out: list[Span]) -> None:
    piece = text[start:end]
    stripped = piece.lstrip()
    if not stripped:
        return
    s = start + (len(piece) - len(stripped))
    out.append(Span(s, s + len(stripped.rstrip())))


def segment(text: str) -> list[Span]:
    """Split ``text`` into sentence spans (see the module docstring for the rules)."""
    out: list[Span] = []
    prev = 0  # start of the current, not yet emitted piece
    line_start = 0
    for m in _SCAN.finditer(text):
        if m.start("nl") != -1:
            _emit(text, prev, m.start(), out)
            prev = line_start = m.end()
        elif _is_boundary(text, m, line_start):
            cut = m.end()  # after the terminator and any closers
            _emit(text, prev, cut, out)
            prev = cut
    _emit(text, prev, len(text), out)
    return out


def sentences(text: str) -> list[str]:
    """The sentence strings: ``[text[s.start:s.end] for s in segment(text)]``."""
    return [text[s.start : s.end] for s in segment(text)]
