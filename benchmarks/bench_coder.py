"""Speed of the rule coder (`evtk code`) beside a plain spaCy tokenizer pass over the same text.

    python -m benchmarks.tasks tokenize N     # the floor: spacy.blank("en") tokenizer only
    python -m benchmarks.tasks code N         # evtk's coder: tokens, lemmas, matchers, grammar, dates

The text is N newswire-like sentences generated from templates (actors with titles and names,
verbs in several tenses, objects, dates, subordinate clauses), grouped into articles of 20
sentences as `evtk code` sees them. Both tasks time the pass over the text only, in wall time and
in the process's CPU time (the fair figure on a machine shared with other work); building the
pipeline (loading the dictionaries and spaCy's lookup tables) is reported separately.
"""

from __future__ import annotations

import datetime as dt
import random
import time

SEED = 20260212
SUBJECTS = [
    "Russian Foreign Minister Sergei Lavrov", "The Malian junta", "Kenya's president", "Rebels in the north",
    "The United Nations", "French troops", "Police in Nairobi", "Senior Hungarian and Romanian officials",
    "The European Union", "Human rights groups", "Israeli soldiers", "Protesters", "Several African nations",
    "The government of Sudan", "Ukrainian forces", "China's foreign ministry", "A group of Moroccan diplomats",
]
VERBS = [
    "met", "visited", "accused", "criticized", "signed an agreement with", "threatened", "rejected a proposal by",
    "held talks with", "called on", "attacked", "arrested supporters of", "praised", "expelled diplomats from",
    "demanded that", "will visit", "did not condemn", "was welcomed by", "imposed sanctions on", "shelled",
    "agreed to cooperate with", "denounced", "said it would boycott", "provided military aid to",
]
OBJECTS = [
    "Mali", "the United States", "Russia", "France", "its neighbours", "the opposition", "Ethiopia",
    "Brazil and Argentina", "the rebels", "NATO", "the Taliban", "local officials", "Ukraine", "Iran",
]
TAILS = [
    "on Monday", "last month", "in January", "last year", "on May 20, 2022", "", "", "",
    "after weeks of tension", "in the capital", "according to state media", "despite international pressure",
    ", a spokesman said", ", officials told reporters on Tuesday", "over the weekend",
]
CLAUSES = ["", "", "", ", who arrived late on Sunday,", ", which has denied the claims,"]


def sentences(n: int, seed: int = SEED) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        subject = rng.choice(SUBJECTS) + rng.choice(CLAUSES)
        text = f"{subject} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}".strip()
        if rng.random() < 0.3:
            text += f" and {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        out.append(text.replace(" ,", ",") + ".")
    return out


def run_tokenize(n: int) -> dict[str, object]:
    import spacy

    t0 = time.perf_counter()
    nlp = spacy.blank("en")
    setup = time.perf_counter() - t0
    texts = sentences(n)
    t0, c0 = time.perf_counter(), time.process_time()
    tokens = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=256))
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "sentences": n,
        "tokens": tokens,
        "pass_seconds": secs,
        "cpu_seconds": cpu,
        "setup_seconds": setup,
        "per_second": n / secs,
        "per_cpu_second": n / cpu,
    }


def run_code(n: int) -> dict[str, object]:
    from toolkit.coder import build, code_sentences

    t0 = time.perf_counter()
    loaded = build()
    setup = time.perf_counter() - t0
    texts = sentences(n)
    t0, c0 = time.perf_counter(), time.process_time()
    events = 0
    for start in range(0, n, 20):
        article = list(enumerate(texts[start : start + 20], start=1))
        events += len(code_sentences(loaded, article, dt.date(2023, 2, 7)))
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "sentences": n,
        "events": events,
        "pass_seconds": secs,
        "cpu_seconds": cpu,
        "setup_seconds": setup,
        "per_second": n / secs,
        "per_cpu_second": n / cpu,
    }
