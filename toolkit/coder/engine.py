"""The rule coder: spaCy's tokenizer and phrase matchers, the English lookup lemma table of
``spacy-lookups-data`` (what spaCy's lookup lemmatizer reads), and a shallow grammar that finds
source, verb and target in a sentence.

Per sentence:

1. **Actors.** Phrase matches of countries, organisations, people and agents are merged into
   actor phrases ("Russia's foreign minister Sergei Lavrov", "his Malian counterpart",
   "the president of Kenya"). A phrase's code is the person's code on the event date, else the
   organisation's, else country + agent role. An agent alone takes the article's main country.
   Phrases joined by "and" or commas form one coordinated group ("A and B").
2. **Verbs.** Verb phrases match by lemma; each group's ``PRE * POST`` patterns are tried and the
   one with most words wins. A negated verb codes its group's ``negated`` code or nothing; an
   intention ("will visit") codes the root's intent code; a verb in the "to"-complement of a coded
   verb ("threatened to ban") is part of that event, not a new one.
3. **Source and target.** Active: the source is the group nearest before the verb (outside
   ", who ... ," clauses; a pronoun subject stands for the sentence's first actor), the target
   the first group after it. Passive ("was welcomed by B"): the source follows "by", the target
   is the subject. Reported demands ("A said B must ...") code A demanding of B. Every pair of
   a source group and a target group is an event; a group with no target pairs its members.
4. **Date.** The date expression nearest the verb (:mod:`toolkit.coder.dates`), else publication.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from toolkit.coder import dates as D
from toolkit.coder.dictionaries import Dictionaries, Pattern, Person, VerbGroup

#: tokens that may stand between two parts of one actor phrase
GLUE = frozenset(
    "'s ' the a an his her its their our senior top former new deputy chief vice acting interim "
    "local regional provincial state-run state-owned official outgoing incoming then powerful "
    "military civilian chief-of-staff junior newly appointed elected".split()
)
PRONOUNS = frozenset("he she it they we".split())
PASSIVE_AUX = frozenset("be get".split())
ADVERBS = frozenset(
    "also already repeatedly reportedly allegedly recently again still just finally formally officially "
    "then now once twice jointly publicly openly strongly sharply immediately bluntly flatly routinely "
    "being not never later earlier widely".split()
)
#: a verb word after one of these is a noun ("the visit", "its fight"): coded only as "X's visit of Y"
NOUN_BEFORE = frozenset(
    "the a an its his her their our this that these those 's ' any no new further first second third "
    "of recent latest planned possible".split()
)
#: a target after one of these is a place, unless the verb phrase ends with it ("arrive in")
LOCATIVE = frozenset("in at near across throughout inside outside".split())
PARTICIPLE_AFTER = frozenset(", while after before by when as".split())
PREPOSITIONS = frozenset("with for without by to from against on in into and or".split())
CLAUSE_END = frozenset(";:")
#: words a POST pattern word may skip ("gave the Ivory Coast 5.1 million dollars")
POST_GAP = 5
SPEECH = frozenset("say tell announce state declare conclude insist warn add claim report stress urge".split())


@dataclass
class Mention:
    start: int
    end: int
    kind: str  # country, actor, person, agent
    value: Any  # code, or a tuple of Person for people


@dataclass
class Phrase:
    start: int
    end: int
    country: str | None = None
    actor: str | None = None
    people: tuple[Person, ...] = ()
    agent: str | None = None

    def code(self, on: tuple[dt.date, dt.date], default_country: str | None) -> str | None:
        """The code on the event's date, ``on`` = (first, last day) of its precision."""
        for p in self.people:
            if (p.start is None or p.start <= on[1]) and (p.end is None or on[0] <= p.end):
                return p.code
        if self.actor:
            return self.actor
        if self.country:
            return self.country + (self.agent or "")
        if self.agent and default_country:
            return default_country + self.agent
        return None


@dataclass
class Event:
    sentence: int
    quote: str
    date: str
    source: str
    target: str | None
    code: str
    rule_id: str
    start: int = 0  # character offset of the verb in the sentence (for ordering)


@dataclass
class _Verb:
    start: int
    end: int  # end of the matched words (verb phrase and POST words)
    verb_end: int
    group: VerbGroup
    pattern: Pattern | None
    code: str
    score: tuple[int, int, int, int]


@dataclass
class Sentence:
    number: int
    text: str
    doc: Any
    low: list[str]
    lem: list[str]
    idx: list[int]  # character offset of each token
    stop: list[int]  # character offset just after each token
    title: list[bool]
    verb_ends: set[int] = field(default_factory=set)  # last token of each matched verb phrase
    phrases: list[Phrase] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)  # indexes into phrases


def _by_last(markers: list[str], tok: Any) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for m in markers:
        words = tuple(t.lower_ for t in tok(m))
        if words:
            out.setdefault(words[-1], []).append(words)
    return out


def _plural(word: str) -> str:
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy")):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


class Coder:
    """Codes sentences with one set of dictionaries; build once, use for many articles."""

    def __init__(self, dicts: Dictionaries, known_codes: set[str]) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        self.dicts = dicts
        self.known = known_codes
        nlp = spacy.blank("en")
        self.nlp = nlp
        self._labels: dict[int, tuple[str, Any]] = {}
        lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        tok = nlp.tokenizer

        def add(matcher: Any, label: str, value: tuple[str, Any], phrases: list[str]) -> None:
            key = nlp.vocab.strings.add(label)
            self._labels[key] = value
            matcher.add(label, [tok(p) for p in phrases])

        by_code: dict[tuple[str, str], list[str]] = {}
        for phrase, code, kind, _, _ in dicts.actors:
            by_code.setdefault((kind, code), []).append(phrase)
        for (kind, code), phrases in by_code.items():
            caps = [p for p in phrases if p.replace(".", "").isupper()]
            rest = [p for p in phrases if p not in caps]
            if caps:
                add(exact, f"{kind}:{code}:x", (kind, code), caps)
            if rest:
                add(lower, f"{kind}:{code}", (kind, code), rest)
        people: dict[str, list[Person]] = {}
        for person in dicts.people:
            for name in person.names:
                people.setdefault(name, []).append(person)
        for name, persons in people.items():
            add(lower, f"person:{name}", ("person", tuple(persons)), [name])
        agents: dict[str, list[str]] = {}
        for phrase, code, _, _ in dicts.agents:
            words = phrase.split()
            forms = {phrase, " ".join([*words[:-1], _plural(words[-1])])}
            agents.setdefault(code, []).extend(sorted(forms))
        for code, phrases in agents.items():
            add(lower, f"agent:{code}", ("agent", code), phrases)
        self.actor_matchers = (lower, exact)

        from spacy.attrs import IDX, IS_TITLE, LENGTH, LOWER
        from spacy.lookups import load_lookups

        self._attrs = [LOWER, IDX, LENGTH, IS_TITLE]
        self._lemma = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self._words: dict[int, tuple[str, str]] = {}
        # verb phrases by the lemma of their first word; later words match by lemma or word
        self._verb_groups: dict[int, list[tuple[VerbGroup, int]]] = {}
        self._verb_first: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        phrase_groups: dict[str, list[VerbGroup]] = {}
        for group in dicts.verbs:
            for v in group.verbs:
                phrase_groups.setdefault(v, []).append(group)
        for phrase, groups in phrase_groups.items():
            key = nlp.vocab.strings.add(f"verb:{phrase}")
            lemmas = tuple(self._lemma_of(t.lower_) for t in tok(phrase))
            if not lemmas:
                continue
            self._verb_groups[key] = [(g, len(lemmas)) for g in groups]
            self._verb_first.setdefault(lemmas[0], []).append((key, lemmas[1:]))
        self.negations = frozenset(dicts.negations)
        self.intent = _by_last(dicts.intent_markers, tok)
        self.demand = [tuple(t.lower_ for t in tok(m)) for m in dicts.demand_markers]

    # --- per sentence ------------------------------------------------------------------

    def prepare(self, number: int, text: str, doc: Any) -> Sentence:
        # token attributes as arrays: creating spaCy Token objects costs more than the coding
        strings, cache, lemma = self.nlp.vocab.strings, self._words, self._lemma
        rows = doc.to_array(self._attrs).tolist() if len(doc) else []
        low: list[str] = []
        lem: list[str] = []
        for h, *_ in rows:
            word = cache.get(h)
            if word is None:
                w = strings[h]
                word = cache[h] = (w, str(lemma.get(w, w)).lower())
            low.append(word[0])
            lem.append(word[1])
        idx = [r[1] for r in rows]
        stop = [r[1] + r[2] for r in rows]
        title = [bool(r[3]) for r in rows]
        s = Sentence(number, text, doc, low, lem, idx, stop, title)
        mentions: list[Mention] = []
        for matcher in self.actor_matchers:
            for key, start, end in matcher(doc):
                kind, value = self._labels[key]
                mentions.append(Mention(start, end, kind, value))
        # longest first, then earliest; drop overlaps
        mentions.sort(key=lambda m: (-(m.end - m.start), m.start))
        taken = [False] * len(doc)
        kept: list[Mention] = []
        for m in mentions:
            if any(taken[m.start : m.end]):
                continue
            for i in range(m.start, m.end):
                taken[i] = True
            kept.append(m)
        kept.sort(key=lambda m: m.start)
        s.phrases = self._merge(kept, s)
        s.groups = self._coordinate(s)
        return s

    def _merge(self, mentions: list[Mention], s: Sentence) -> list[Phrase]:
        phrases: list[Phrase] = []
        cur: Phrase | None = None
        for m in mentions:
            if cur is not None and self._joins(cur, m, s):
                self._absorb(cur, m)
                continue
            cur = Phrase(m.start, m.end)
            self._absorb(cur, m)
            phrases.append(cur)
        return phrases

    def _joins(self, cur: Phrase, m: Mention, s: Sentence) -> bool:
        gap = s.low[cur.end : m.start]
        if m.kind == "country" and (cur.country or cur.actor):
            return False
        if m.kind == "agent" and cur.actor and not cur.agent and not gap:
            return True  # "Hezbollah guerrillas", "NATO troops": the organisation's code stands
        if m.kind == "agent" and (cur.agent or cur.actor):
            return False
        if m.kind == "actor" and (cur.actor or cur.people):
            return False
        if m.kind == "person" and cur.people:
            return False
        if gap and gap[0] == "of" and len(gap) <= 4 and cur.agent and not cur.country and m.kind == "country":
            return all(w.isalpha() or w == "'s" for w in gap)
        if len(gap) > 3:
            return False
        return all(w in GLUE or (s.title[cur.end + i] and m.kind == "person") for i, w in enumerate(gap))

    @staticmethod
    def _absorb(p: Phrase, m: Mention) -> None:
        p.end = max(p.end, m.end)
        if m.kind == "country":
            p.country = m.value
        elif m.kind == "actor":
            p.actor = m.value
        elif m.kind == "person":
            p.people = m.value
        else:
            p.agent = m.value

    @staticmethod
    def _coordinate(s: Sentence) -> list[list[int]]:
        groups: list[list[int]] = []
        for i, p in enumerate(s.phrases):
            if groups:
                prev = s.phrases[groups[-1][-1]]
                gap = s.low[prev.end : p.start]
                if "(" in gap and ")" in gap:  # "Lavrov (right) and Diop"
                    gap = gap[: gap.index("(")] + gap[gap.index(")") + 1 :]
                k = len(gap)
                while k and s.title[p.start - len(gap) + k - 1] and gap[k - 1] not in ("and", ","):
                    k -= 1  # unknown names before the next actor: "and Tigrayan rebels"
                joined = [w for w in gap[:k] if w not in ("the", "its", "his", "her", "their", "some", "several")]
                if joined in (["and"], [","], [",", "and"], ["as", "well", "as"], ["and", "other"]):
                    groups[-1].append(i)
                    continue
            groups.append([i])
        # "Hungarian and Romanian officials": the agent of the last member applies to all
        for g in groups:
            last = s.phrases[g[-1]]
            if last.agent:
                for i in g[:-1]:
                    q = s.phrases[i]
                    if q.country and not q.agent and not q.actor and not q.people and q.end == q.start + 1:
                        q.agent = last.agent
        return groups

    def _verbs(self, s: Sentence) -> list[_Verb]:
        found: dict[int, _Verb] = {}
        n = len(s.low)
        for key, start, end in self._verb_matches(s):
            for group, words in self._verb_groups[key]:
                best: _Verb | None = None
                if group.code is not None:
                    best = _Verb(start, end, end, group, None, group.code, (words, words, 0, 0))
                for pat in group.patterns:
                    hit = self._try(pat, s, start, end, n)
                    if hit is None:
                        continue
                    score = (words + pat.size, words, 1, end - hit)  # ties: the nearer object
                    if best is None or score > best.score:
                        best = _Verb(start, max(end, hit), end, group, pat, pat.code, score)
                if best is None:
                    continue
                old = found.get(start)
                if old is None or best.score > old.score:
                    found[start] = best
        verbs = sorted(found.values(), key=lambda v: v.start)
        s.verb_ends = {v.verb_end - 1 for v in verbs} | {v.end - 1 for v in verbs}
        # a shorter verb phrase inside a longer one ("hold" in "hold talks") is the same verb
        out: list[_Verb] = []
        for v in verbs:
            if out and v.start < out[-1].verb_end:
                if v.score > out[-1].score:
                    out[-1] = v
                continue
            out.append(v)
        return out

    @staticmethod
    def _try(pat: Pattern, s: Sentence, start: int, end: int, n: int) -> int | None:
        """End of the matched words when ``pat`` matches around the verb at [start, end)."""
        pos = end
        for words in pat.post:
            limit = min(n, pos + POST_GAP + 1)
            j = pos
            while j < limit and not (s.lem[j] in words or s.low[j] in words):
                if s.low[j] in CLAUSE_END or s.low[j] == ".":
                    return None
                j += 1
            if j >= limit:
                return None
            pos = j + 1
        back = start
        for words in reversed(pat.pre):
            lo = max(0, back - 4)
            j = back - 1
            while j >= lo and not (s.lem[j] in words or s.low[j] in words):
                j -= 1
            if j < lo:
                return None
            back = j
        return pos

    def _preceded(self, s: Sentence, start: int, markers: dict[str, list[tuple[str, ...]]], span: int = 3) -> bool:
        """A marker phrase ends at most ``span`` words before ``start``, with no comma between."""
        for e in range(start, max(0, start - span - 1), -1):
            if e < start and s.low[e] in (",", ";", "."):
                return False
            for m in markers.get(s.low[e - 1], ()) if e > 0 else ():
                if tuple(s.low[e - len(m) : e]) == m:
                    return True
        return False

    def _lemma_of(self, word: str) -> str:
        return str(self._lemma.get(word, word)).lower()

    def _verb_matches(self, s: Sentence) -> list[tuple[int, int, int]]:
        out = []
        n = len(s.lem)
        for i, lemma in enumerate(s.lem):
            if i and s.title[i] and s.low[i - 1] not in ('"', "'", "(", ":"):
                continue  # a capitalised word inside a sentence is a name ("in March", "Chad")
            for key, rest in self._verb_first.get(lemma, ()):
                j = i + 1
                for w in rest:
                    if j >= n or (s.lem[j] != w and s.low[j] != w):
                        break
                    j += 1
                else:
                    out.append((key, i, j))
        return out

    def _negated(self, s: Sentence, start: int) -> bool:
        for j in range(start - 1, max(-1, start - 4), -1):
            w = s.low[j]
            if w in self.negations:
                return True
            if w in (",", ";", ".", "but", "and"):
                return False
        return False

    def _passive(self, s: Sentence, v: _Verb) -> bool:
        j = v.start - 1
        while j >= 0 and s.low[j] in ADVERBS:
            j -= 1
        if s.low[v.start].endswith("ing"):
            return False  # "has been holding": progressive, not passive
        if j >= 0 and s.low[j] == "been":
            return True
        if j < 0 or s.lem[j] not in PASSIVE_AUX:
            return False
        word = s.low[v.start]
        return word != s.lem[v.start] and (word.endswith(("ed", "en", "wn", "ht")) or word in ("held", "met", "hit", "shot", "put"))

    def _hidden(self, s: Sentence) -> list[bool]:
        """Tokens inside ", who/which ... ," clauses and brackets (not subjects of the main verb)."""
        n = len(s.low)
        hide = [False] * n
        i = 0
        while i < n:
            w = s.low[i]
            if w == "(":
                j = i
                while j < n and s.low[j] != ")":
                    hide[j] = True
                    j += 1
                i = j
            elif w == "," and i + 1 < n and s.low[i + 1] in ("who", "which", "whose", "whom"):
                j = i + 1
                while j < n and s.low[j] not in (",", ";", "."):
                    hide[j] = True
                    j += 1
                i = j
            i += 1
        return hide

    def _group_of(self, s: Sentence, phrase_index: int) -> list[int]:
        for g in s.groups:
            if phrase_index in g:
                return g
        return [phrase_index]  # pragma: no cover - every phrase is in a group

    def _before(self, s: Sentence, pos: int, hide: list[bool]) -> list[int] | None:
        """The group nearest before token ``pos`` (a pronoun subject: the first actor)."""
        best = None
        for i, p in enumerate(s.phrases):
            if p.end <= pos and not hide[p.start]:
                best = i
        for j in range(pos - 1, (s.phrases[best].end - 1) if best is not None else -1, -1):
            if s.low[j] in PRONOUNS and not hide[j]:
                first = next((i for i, p in enumerate(s.phrases) if p.end <= j and not hide[p.start]), None)
                return self._group_of(s, first) if first is not None else None
            if s.low[j] in (";",):
                break
        return self._group_of(s, best) if best is not None else None

    def _after(
        self, s: Sentence, pos: int, skip: set[int], limit: int = 12, places: bool = True
    ) -> list[int] | None:
        for i, p in enumerate(s.phrases):
            if p.start >= pos and i not in skip:
                between = s.low[pos : p.start]
                if p.start - pos > limit or any(w in CLAUSE_END or w == "," for w in between):
                    return None
                if not places and p.start > 0 and s.low[p.start - 1] in LOCATIVE and p.start != pos:
                    continue
                return self._group_of(s, i)
        return None

    def _nominal(self, s: Sentence, v: _Verb) -> bool:
        """The verb word is used as a noun: after a determiner or possessive, or a plural after a non-actor."""
        if v.start == 0:
            return False
        prev = s.low[v.start - 1]
        if prev in NOUN_BEFORE or prev == "-" or ("-" in prev and prev[-1] != "-"):
            return True
        if prev in ("and", "or") and v.start >= 2 and (v.start - 2) not in s.verb_ends:
            # "solidarity and support": coordinated with a word that is no verb of ours
            return not any(p.end == v.start - 1 for p in s.phrases) and s.low[v.start - 2].isalpha()
        word, lemma = s.low[v.start], s.lem[v.start]
        adjacent = next((p for p in s.phrases if p.end == v.start), None)
        if word in (lemma + "s", lemma + "es"):
            return adjacent is None and prev not in PRONOUNS
        if adjacent is not None and word == lemma and adjacent.start > 0 and adjacent.end == adjacent.start + 1:
            # "its anti-jihadist fight", "with Russian support": an actor adjective before a noun
            # (not a plural subject: "the Palestinians reject")
            before = s.low[adjacent.start - 1]
            if s.low[adjacent.start].endswith("s"):
                return False
            # after a verb of ours the actor word is an object's adjective: "blocked EU aid"
            return before in NOUN_BEFORE or before in PREPOSITIONS or before == "-" or adjacent.start - 1 in s.verb_ends
        return False

    def _participle(self, s: Sentence, v: _Verb) -> bool:
        return s.low[v.start].endswith("ing") and v.start > 0 and s.low[v.start - 1] in PARTICIPLE_AFTER

    def code_sentence(self, s: Sentence, pub: dt.date, default_country: str | None) -> list[Event]:
        events: list[Event] = []
        verbs = self._verbs(s)
        hide = self._hidden(s)
        demands = self._demands(s, hide)
        if not verbs and not demands:
            return events
        found_dates = D.find_dates(s.text, pub)
        last_end = -10
        last_pattern = False
        last_source: list[int] | None = None
        seen: set[tuple[str, str | None, str]] = set()
        hidden_chars = [s.idx[i] for i, h in enumerate(hide) if h]
        for speaker, subject, speech, marker_end in demands:
            self._emit(s, events, seen, speaker, subject, speech, marker_end, self.dicts.demand_code,
                       "demand: " + " ".join(s.low[speech : speech + 1] + ["..."] + s.low[marker_end - 1 : marker_end]),
                       None, found_dates, pub, default_country)
        covered = {m for *_, m in demands}
        for v in verbs:
            if v.start in covered or v.start - 1 in covered:
                continue
            # "threatened to ban": the complement verb belongs to the event already coded
            if v.start - last_end <= 3 and v.start > 0 and s.low[v.start - 1] in ("to", "that"):
                continue
            if v.start < last_end or (
                last_pattern and v.start - last_end <= 2 and "," not in s.low[last_end : v.start]
            ):
                continue
            code: str | None = v.code
            base = v.code
            rule_id = v.group.id + (f": {v.pattern.text}" if v.pattern else "")
            if self._negated(s, v.start):
                code = v.group.negated
                rule_id += " (negated)"
            elif self._preceded(s, v.start, self.intent) and base[:2] in self.dicts.intent_codes:
                code = self.dicts.intent_codes[base[:2]]
                rule_id += " (intent)"
            if code is None or code not in self.known:
                continue
            source_g: list[int] | None
            target_g: list[int] | None
            verb_phrase_end = s.low[v.verb_end - 1]
            if self._nominal(s, v):
                # "Moscow's invasion of Ukraine": the possessor acts on the object of "of"
                if s.low[v.start - 1] != "'s" or not any(p.end == v.start - 1 for p in s.phrases):
                    continue
                owner = next(i for i, p in enumerate(s.phrases) if p.end == v.start - 1)
                source_g = self._group_of(s, owner)
                target_g = (
                    self._after(s, v.verb_end + 1, set(source_g), limit=3)
                    if v.verb_end < len(s.low) and s.low[v.verb_end] in ("of", "on", "against", "with", "to")
                    else None
                )
                if target_g is None:
                    continue
            elif self._participle(s, v):
                source_g = last_source or (s.groups[0] if s.groups and s.phrases[s.groups[0][0]].end <= v.start else None)
                target_g = self._after(s, v.verb_end, set(source_g or []), places=verb_phrase_end in LOCATIVE)
            elif self._passive(s, v):
                target_g = self._before(s, v.start, hide)
                by = next((j for j in range(v.verb_end, min(len(s.low), v.verb_end + 8)) if s.low[j] == "by"), None)
                source_g = self._after(s, by + 1, set(), limit=2) if by is not None else None
                if source_g is None:
                    continue
            else:
                source_g = self._before(s, v.start, hide)
                target_g = self._after(s, v.verb_end, set(source_g or []), places=verb_phrase_end in LOCATIVE)
            if source_g is None:
                continue
            if v.group.reversed and target_g is not None:
                source_g, target_g = target_g, source_g
            last_end, last_pattern, last_source = v.end, v.pattern is not None, source_g
            paired = v.group.paired if not rule_id.endswith(("(intent)", "(negated)")) else None
            verb_hidden = hide[v.start]
            dates_here = [f for f in found_dates if verb_hidden or not any(f.start <= c < f.end for c in hidden_chars)]
            self._emit(s, events, seen, source_g, target_g, v.start, v.end, code, rule_id, paired,
                       dates_here, pub, self._local_country(s, v.start) or default_country)
        return events

    @staticmethod
    def _local_country(s: Sentence, pos: int) -> str | None:
        """The country mentioned last before ``pos`` in the sentence, else the first after it (for
        agents without one: "Rebels attacked a base in eastern Congo")."""
        found = None
        for p in s.phrases:
            if p.country:
                if p.end <= pos:
                    found = p.country
                elif found is None and LOCATIVE & set(s.low[max(0, p.start - 2) : p.start]):
                    return p.country  # a place after the verb: "a base in eastern Congo"
        return found

    def _demands(self, s: Sentence, hide: list[bool]) -> list[tuple[list[int], list[int], int, int]]:
        """Reported demands "A said B must ...": (speaker group, subject group, speech verb, marker end)."""
        out = []
        for j, w in enumerate(s.low):
            for m in self.demand:
                if w != m[0] or tuple(s.low[j : j + len(m)]) != m:
                    continue
                subject = self._before(s, j, hide)
                if subject is None or s.phrases[subject[-1]].end < j - 2:
                    continue
                first = s.phrases[subject[0]].start
                speech = next((k for k in range(first - 1, max(-1, first - 8), -1) if s.lem[k] in SPEECH), None)
                if speech is None:
                    continue
                speaker = self._before(s, speech, hide)
                if speaker is not None:
                    out.append((speaker, subject, speech, j + len(m)))
                break
        return out

    def _emit(
        self,
        s: Sentence,
        events: list[Event],
        seen: set[tuple[str, str | None, str]],
        source_g: list[int],
        target_g: list[int] | None,
        start: int,
        end: int,
        code: str,
        rule_id: str,
        paired: str | None,
        found_dates: list[D.Found],
        pub: dt.date,
        default_country: str | None,
    ) -> None:
        verb_char = s.idx[start]
        when = _date_for(found_dates, s, start, end)
        date = when.value if when else pub.isoformat()
        on = _date_range(date)
        quote = s.text[verb_char : s.stop[end - 1]]
        srcs = [x for x in dict.fromkeys(s.phrases[i].code(on, default_country) for i in source_g) if x]
        tgts = [
            x for x in dict.fromkeys(s.phrases[i].code(on, default_country) for i in (target_g or [])) if x and x not in srcs
        ]
        pairs: list[tuple[str, str | None]]
        if tgts:
            pairs = [(a, b) for a in srcs for b in tgts if a != b]
        elif len(srcs) > 1:
            pairs = [(a, b) for a in srcs for b in srcs if a != b]
        else:
            pairs = [(a, None) for a in srcs]
        for a, b in pairs:
            emitted: list[tuple[str, str | None, str, str]] = [(a, b, code, rule_id)]
            if paired and b:
                emitted.append((b, a, paired, rule_id + " (paired)"))
            for src, tgt, c, rid in emitted:
                key = (src, tgt, c)
                if key in seen or c not in self.known:
                    continue
                seen.add(key)
                events.append(Event(s.number, quote, date, src, tgt, c, rid, verb_char))

    def code_article(self, sentences: list[tuple[int, str]], published: dt.date) -> list[Event]:
        """Events of an article: (sentence number, text) pairs, in order.

        An agent without a country ("the junta") takes the last country named before it in its
        sentence, else the first country of the nearest earlier sentence that names one, else
        the article's most named country."""
        tokenizer: Any = self.nlp.tokenizer
        docs = list(tokenizer.pipe([t for _, t in sentences], batch_size=256))
        prepared = [self.prepare(n, t, d) for (n, t), d in zip(sentences, docs, strict=True)]
        counts: Counter[str] = Counter(p.country for s in prepared for p in s.phrases if p.country)
        default = counts.most_common(1)[0][0] if counts else None
        out: list[Event] = []
        previous = default
        seen_texts: list[str] = []
        for s in prepared:
            # a repeated sentence (a photo caption printed twice) is coded once
            repeat = any(len(t) > 20 and s.text.startswith(t) for t in seen_texts)
            seen_texts.append(s.text.strip())
            if not repeat:
                out += self.code_sentence(s, published, previous)
            first = next((p.country for p in s.phrases if p.country), None)
            previous = first or previous
        return out


def _date_for(found: list[D.Found], s: Sentence, start: int, end: int) -> D.Found | None:
    """The date of the verb at tokens [start, end): a date right after it in its clause ("visited
    Angola in January"), else a date opening the sentence ("Last month, ... said"), else the nearest."""
    if not found:
        return None
    verb_char = s.idx[start]
    end_char = s.stop[end - 1]
    for f in found:
        if f.start >= end_char and f.start - end_char <= 60 and "," not in s.text[end_char : f.start]:
            return f
    opening = found[0]
    if opening.start <= 12 and opening.end <= verb_char:
        return opening
    return D.nearest(found, verb_char)


def _date_range(value: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date of day, month or year precision covers."""
    parts = [int(x) for x in value.split("-")]
    if len(parts) == 3:
        day = dt.date(parts[0], parts[1], parts[2])
        return day, day
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        nxt = dt.date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return first, nxt - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
