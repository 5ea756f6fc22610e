"""Finding the course's own knowledge that answers a question: past answers and FAQ entries,
searched by words and by (a light, offline notion of) meaning.

1. The question's words, without stop words, each with the words of its concept
   (``CONCEPTS``: "long" also looks for "length", "size", "pages"...), go to the database's
   full-text search (``CopilotRepo.search``: FTS5 or PostgreSQL, both stemming English), which
   returns the best candidates of each source by its own score (rare words count more).
2. The candidates are re-ranked here: how much of the question's concepts the candidate's
   question covers, and how precisely (a Dice coefficient over stems mapped to concepts), what
   its answer adds, and the database's score. No model, no outside service.

``Match.score`` is 0..1; a match is quoted as a suggestion without a model when it is
``good_enough``: a score of at least ``GOOD_ENOUGH`` and at least ``GOOD_COVER`` of the
question's concepts found in the match (its question or its answer), and ``pick_quote``
quotes it only when it leads the next match by ``MARGIN`` (two close matches: ambiguous).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import msgspec

TOKEN = re.compile(r"[^\W_]+")
CANDIDATES = 20          # per source, from the database
GOOD_ENOUGH = 0.45       # least score of a match quoted as is (no model)
GOOD_COVER = 0.6         # least share of the question's concepts that the match holds
MARGIN = 0.05            # least lead of the quoted match over the next (else: ambiguous)
WORTH_ASKING = 0.3       # least score of the best match for the model to be asked at all
W_QUESTION, W_ANSWER, W_DATABASE = 0.55, 0.15, 0.30

STOP = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "could", "did", "do", "does", "doing", "done", "down",
    "during", "each", "either", "else", "etc", "ever", "every", "few", "for", "from",
    "further", "get", "gets", "getting", "got", "had", "has", "have", "having", "he", "her",
    "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself",
    "just", "let", "lets", "me", "might", "mine", "more", "most", "much", "must", "my",
    "myself", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or",
    "other", "our", "ours", "out", "over", "own", "per", "please", "really", "same", "shall",
    "she", "should", "so", "some", "such", "than", "thank", "thanks", "that", "the", "their",
    "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "to",
    "too", "under", "until", "up", "us", "very", "was", "we", "were", "what", "whats", "when",
    "where", "whether", "which", "while", "who", "whom", "whose", "why", "will", "with",
    "within", "would", "yes", "yet", "you", "your", "yours", "hi", "hello", "hey", "dear",
    "ok", "okay", "i'm", "im", "ive", "it's", "dont", "don't", "many", "anyone", "someone",
    "something", "anything", "thing", "things", "way", "know", "tell",
])

# words that mean the same thing in a course's support desk; the first names the concept
CONCEPTS: tuple[tuple[str, ...], ...] = (
    ("length", "long", "lengthy", "size", "big", "short", "page", "pages", "words", "word",
     "count", "limit"),
    ("deadline", "due", "late", "overdue", "cutoff", "extension", "extend", "postpone",
     "delay"),
    ("price", "cost", "costs", "fee", "fees", "pay", "payment", "paid", "refund", "money",
     "charge", "expensive", "cheap", "installment", "installments"),
    ("start", "begin", "beginning", "begins", "commence", "launch", "kickoff"),
    ("finish", "end", "complete", "completion", "completing", "finishing"),
    ("certificate", "certification", "diploma", "credential"),
    ("video", "recording", "recorded", "recordings", "lecture", "lectures", "lesson", "lessons",
     "session", "sessions", "webinar", "webinars", "replay", "class", "classes", "call", "calls"),
    ("submit", "submission", "upload", "hand", "turn", "send", "deliver"),
    ("access", "login", "log", "sign", "password", "account", "locked", "signin"),
    ("grade", "grading", "graded", "mark", "marks", "score", "scores", "evaluate", "evaluation",
     "assess", "assessment", "feedback", "review", "reviewed", "checked", "check"),
    ("help", "support", "assist", "assistance", "contact", "reach"),
    ("team", "group", "partner", "pair", "teammate", "teammates", "peer", "peers", "together"),
    ("change", "edit", "modify", "update", "fix", "correct", "redo", "resubmit", "revise",
     "revision"),
    ("problem", "error", "bug", "issue", "broken", "fail", "fails", "failing", "crash",
     "working", "work", "stuck"),
    ("file", "document", "format", "pdf", "docx", "attachment", "attach"),
    ("mentor", "tutor", "teacher", "instructor", "coach", "trainer"),
    ("module", "unit", "chapter", "section", "week", "part"),
    ("template", "example", "sample", "model"),
    ("schedule", "time", "hours", "timetable", "calendar", "date", "day", "days"),
    ("phone", "mobile", "app", "smartphone", "tablet"),
    ("required", "require", "requirement", "mandatory", "must", "compulsory", "necessary",
     "obligatory", "need", "needed", "have"),
    ("allowed", "allow", "permitted", "permit", "can", "may"),
    ("miss", "missed", "skip", "skipped", "absent", "attend", "attendance"),
    ("language", "english", "translation", "translate"),
    ("customer", "customers", "client", "clients", "buyer", "buyers", "audience", "market"),
    ("money", "income", "revenue", "profit", "earn", "earning", "sales", "sell", "selling"),
    ("cancel", "quit", "leave", "withdraw", "stop", "unsubscribe"),
    ("pass", "passing", "minimum", "threshold", "required"),
)


def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, -ly, -ness, -ment, a final e, doubled
    final consonants ("submitted" and "submit" meet; so do "pages" and "page")."""
    w = word
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 4 and w.endswith(("sses", "xes", "ches", "shes", "zes")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ingly", "edly", "ness", "ments", "ment", "ing", "ed", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[:-len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]
    return w


_CONCEPT_OF: dict[str, str] = {}
_WORDS_OF: dict[str, tuple[str, ...]] = {}
for _group in CONCEPTS:
    for _word in _group:
        _CONCEPT_OF.setdefault(stem(_word), _group[0])
    _WORDS_OF[_group[0]] = tuple(dict.fromkeys(_WORDS_OF.get(_group[0], ()) + _group))


def words(text: str | None) -> list[str]:
    """The text's words, lower-case, without stop words."""
    return [w for w in TOKEN.findall((text or "").casefold()) if w not in STOP and len(w) > 1]


@functools.lru_cache(maxsize=20_000)  # the same answers come back as candidates again and again
def concepts(text: str | None) -> frozenset[str]:
    """What the text is about: each word's concept, or its stem when it has none."""
    return frozenset(_CONCEPT_OF.get(s, s) for s in (stem(w) for w in words(text)))


def query_words(text: str | None, limit: int = 64) -> list[str]:
    """The words to look for: the question's own, then those of their concepts."""
    own = words(text)
    found = list(dict.fromkeys(own))
    for w in own:
        concept = _CONCEPT_OF.get(stem(w))
        if concept is not None:
            found.extend(x for x in _WORDS_OF[concept] if x not in STOP)
    return list(dict.fromkeys(found))[:limit]


class Match(msgspec.Struct, frozen=True):
    """One candidate answer: where it comes from (``kind`` "question" or "faq" and its id),
    the question it answered, the answer, and how well it matches (0..1)."""

    kind: str
    id: int
    telegram_id: int | None
    question: str
    answer: str
    score: float
    coverage: float = 0.0


def good_enough(match: Match) -> bool:
    """Whether ``match`` may be quoted as the answer, without a model."""
    return match.score >= GOOD_ENOUGH and match.coverage >= GOOD_COVER


def pick_quote(matches: list[Match]) -> Match | None:
    """The match to quote as the suggestion without a model, or None."""
    if not matches or not good_enough(matches[0]):
        return None
    if len(matches) > 1 and matches[0].score - matches[1].score < MARGIN \
            and matches[1].answer != matches[0].answer:
        return None
    return matches[0]


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def rank(text: str, candidates: list[dict[str, Any]]) -> list[Match]:
    """Candidates of ``CopilotRepo.search`` re-ranked for ``text``, best first."""
    asked = concepts(text)
    if not asked:
        return []
    best_db = {kind: max((float(c["score"]) for c in candidates if c["kind"] == kind),
                         default=0.0) for kind in ("question", "faq")}
    out = []
    for c in candidates:
        theirs = concepts(c.get("question"))
        extra = (concepts(c.get("answer")) - theirs) & asked
        db = float(c["score"]) / best_db[c["kind"]] if best_db[c["kind"]] > 0 else 0.0
        score = (W_QUESTION * _dice(asked, theirs) + W_ANSWER * len(extra) / len(asked)
                 + W_DATABASE * max(0.0, min(1.0, db)))
        cover = len(asked & (theirs | extra)) / len(asked)
        out.append(Match(c["kind"], int(c["id"]), c.get("telegram_id"), c.get("question") or "",
                         c.get("answer") or "", round(score, 4), round(cover, 4)))
    out.sort(key=lambda m: (-m.score, m.kind != "faq", -m.id))
    return out


async def find_matches(repo: Any, text: str | None, *, exclude: int | None = None,
                       limit: int = 5) -> list[Match]:
    """The best ``limit`` matches for ``text`` among answered questions and FAQ entries."""
    terms = query_words(text)
    if not terms:
        return []
    candidates = await repo.search(terms, exclude=exclude, limit=CANDIDATES)
    return rank(text or "", candidates)[:limit]
