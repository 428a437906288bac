"""Search: the question through the same analyzer, BM25 over sentences, article evidence mixed in."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._dates import UNDATED, article_days
from ._errors import EmptyQueryError, NoContentWordsError, QueryTooLongError
from .bm25 import numba_kernels
from .bm25._scorer import _readonly
from .store import ArticleRecord, BuildReport, IndexData, Progress, open_index
from .text import analyze

MAX_QUERY_CHARS = 1000
# News paraphrases BM25 cannot see: "X beat Y" is told as "Y lost to X" (stemmed terms).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "beat": ("defeat", "lose", "win"),
    "defeat": ("beat", "lose", "win"),
    "win": ("victori", "beat", "lose"),  # "X lost to Y" tells who won
    "victori": ("win",),
    "lose": ("defeat",),
    "presid": ("president",),
    "kill": ("die", "dead"),
    "die": ("kill",),
}
_CAPITALISED = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’-]*")


@dataclass(frozen=True)
class RankingWeights:
    """How the evidence is mixed; each weight was kept because the eval said it helps."""

    article: float = 1.0  # the article's BM25 over headline + whole text, normalised to the best article
    coverage: float = 1.0  # idf-weighted share of the question's distinct terms the sentence itself contains
    neighbours: float = 0.0  # best normalised score of the sentence just before or after (measured: no help)
    lead: float = 0.4  # news puts the key facts first: bonus lead * 0.5 ** (story position / lead_halflife)
    lead_halflife: float = 4.0  # in story sentences
    phrase: float = 0.5  # share of the question's adjacent term pairs the sentence holds adjacent too
    expand: int = 3  # the sentences next to this many best candidates become candidates too
    expand_share: float = 0.8  # ... scoring at least this share of the candidate they are next to
    candidates: int = 100  # sentences taken from BM25 before re-ranking (200 and 60 gave the same NewsQA answers)


@dataclass(frozen=True)
class Hit:
    """One ranked sentence with the evidence behind its score."""

    chunk: int
    article: ArticleRecord
    position: int
    text: str
    score: float
    bm25: float
    article_score: float
    coverage: float
    matched: frozenset[str]  # query terms found in the sentence (directly or by an alternative)
    term_ids: tuple[int, ...] = ()  # the sentence's analyzed terms in order, as ids of the snapshot's lexicon

    @property
    def terms(self) -> frozenset[int]:
        """The sentence's distinct terms (snapshot-wide ids): equal sets, same sentence content."""
        return frozenset(self.term_ids)


@dataclass
class SearchResult:
    question: str
    terms: list[list[str]]  # each analyzed query term with its alternatives
    hits: list[Hit] = field(default_factory=list)
    proper: frozenset[str] = frozenset()  # terms from capitalised words of the question (names)


class Retriever:
    """The loaded index plus the ranking; thread-safe for concurrent searches."""

    def __init__(self, data: IndexData, weights: RankingWeights | None = None) -> None:
        self.data = data
        self.weights = weights or RankingWeights()
        self._quotable = np.asarray(data.quotable, dtype=bool)
        self._quotable_mask = data.sentences.prepare(self._quotable)  # what every unrestricted search allows
        self._story_pos = _story_positions(data, self._quotable)
        # the lead bonus's factor by story position, 0.5 ** (position / half-life): a table, not a power per question
        top = int(self._story_pos.max(initial=0)) + 1
        positions = np.arange(top, dtype=np.int32).astype(np.float64)
        self._lead_by_position = (0.5 ** (positions / self.weights.lead_halflife) if self.weights.lead
                                  else np.zeros(top))
        self._max_idf = data.sentences.max_idf or 1.0
        self._days: np.ndarray | None = None
        self._ranking: tuple[np.ndarray, ...] | None = None

    @classmethod
    def open(
        cls,
        corpus: Path,
        cache_dir: Path,
        *,
        force: bool = False,
        progress: Progress | None = None,
        warn: Callable[[str], None] | None = None,
        lock_timeout: float | None = None,
    ) -> tuple[Retriever, BuildReport | None]:
        data, report = open_index(corpus, cache_dir, force=force, progress=progress, warn=warn,
                                  lock_timeout=lock_timeout)
        return cls(data), report

    @property
    def articles(self) -> Sequence[ArticleRecord]:
        return self.data.articles

    @property
    def identity(self) -> str:
        """Changes whenever the index's live articles do (a new commit with other content)."""
        return self.data.identity

    def document_frequencies(self, terms: Sequence[str]) -> list[int]:
        """document_frequency of many terms at once."""
        return self.data.sentences.document_frequencies(terms)

    @property
    def article_days(self) -> np.ndarray:
        """Each article's publication day (days since 1970-01-01, int32; ``index.UNDATED`` when it has
        no known date, a file's time being none), read once per snapshot."""
        if self._days is None:
            self._days = article_days(self.data.articles)
        return self._days

    @property
    def dated(self) -> bool:
        """Whether any article has a known publication date."""
        return bool((self.article_days != UNDATED).any())

    def document_frequency(self, term: str) -> int:
        """Live sentences holding an analyzed term (0 when none)."""
        return self.data.sentences.document_frequency(term)

    def query_terms(self, question: str, *, agent_nouns: bool = False) -> list[list[str]]:
        """Analyzed terms, each with its alternatives: acronyms the corpus defines (FN → national
        front), news paraphrases (beat → lost), and for a word the corpus lacks, its completions.
        With agent_nouns (a "who" question), a verb also matches its doer: leads → leader."""
        if not question or not question.strip():
            raise EmptyQueryError("the question is empty")
        if len(question) > MAX_QUERY_CHARS:
            raise QueryTooLongError(f"the question is longer than {MAX_QUERY_CHARS} characters")
        terms = analyze(question)
        if not terms:
            raise NoContentWordsError("the question has no word to search for")
        groups: list[list[str]] = []
        for term in dict.fromkeys(terms):
            extras = list(self.data.acronyms.get(term, ())) + list(SYNONYMS.get(term, ()))
            if self.data.sentences.term_id(term) is None:
                extras += self.completions(term)
            if agent_nouns:
                extras += [t for t in (term + "er", term + "or") if self.data.sentences.term_id(t) is not None]
            groups.append([term, *[e for e in dict.fromkeys(extras) if e != term]])
        return groups

    def completions(self, term: str, limit: int = 2) -> list[str]:
        """Corpus terms that a word the corpus lacks is the start of ("northern" for "north")."""
        if len(term) < 4 or term[:1].isdigit():
            return []
        vocab = self.data.vocabulary
        i = bisect.bisect_left(vocab, term)
        found: list[str] = []
        while i < len(vocab) and vocab[i].startswith(term):
            if len(vocab[i]) - len(term) <= 3:
                found.append(vocab[i])
            i += 1
        return sorted(found, key=lambda t: (len(t), t))[:limit]

    @staticmethod
    def proper_terms(question: str) -> frozenset[str]:
        """Terms of the capitalised words inside the question: names the corpus must know."""
        return frozenset(t for m in _CAPITALISED.finditer(question) for t in analyze(m.group(0)))

    def term_weight(self, term: str, proper: bool = False) -> float:
        """A term's idf among sentences. A name the corpus never uses weighs as much as the rarest
        term twice over (it is what the question is about); an unknown common word half the rarest
        (often a paraphrase)."""
        scorer = self.data.sentences
        term_id = scorer.term_id(term)
        if term_id is None:
            top = max(self._max_idf, 1.0)
            return 2 * top if proper else top / 2
        return max(scorer.idf(term_id), 0.05)

    def search(self, question: str, k: int = 10, *, agent_nouns: bool = False,
               articles: np.ndarray | None = None) -> SearchResult:
        """The question's best k sentences; ``articles``: a boolean mask over the snapshot's articles, the
        only ones searched (a time range: ``article_days``), None for all."""
        groups = self.query_terms(question, agent_nouns=agent_nouns)
        proper = self.proper_terms(question)
        return SearchResult(question, groups, self.rank(groups, k, proper, articles=articles), proper)

    def rank(self, groups: list[list[str]], k: int, proper: frozenset[str] = frozenset(), *,
             articles: np.ndarray | None = None) -> list[Hit]:
        """BM25 over sentences, then: article evidence, idf-weighted coverage, neighbours; with equal
        evidence the newer article's sentence first. ``articles``: see `search`.

        The candidates' evidence comes from the terms the index stored for each sentence, looked at
        all at once; a Hit (with its text) is made only for the k returned."""
        data, w = self.data, self.weights
        terms = [t for group in groups for t in group]
        allowed = self._quotable_mask if articles is None else self._quotable & articles[data.chunk_article]
        ids, scores = data.sentences.top_k(terms, w.candidates, allowed=allowed)
        if ids.size == 0:
            return []
        best = float(scores[0]) or 1.0
        articles_scored = self._article_scores(terms, ids, articles)
        article_score, best_article = articles_scored.of, articles_scored.best
        weight = [self.term_weight(g[0], g[0] in proper) for g in groups]
        total_weight = sum(weight) or 1.0
        group_weight = np.asarray(weight, dtype=np.float64)
        # the question's terms as term ids (a term the index never saw matches nothing)
        distinct = list(dict.fromkeys(terms))
        tid = dict(zip(distinct, data.lexicon.ids(distinct), strict=True))
        group_ids = [{i for i in (tid[t] for t in g) if i is not None} for g in groups]
        pairs = [(tid[a[0]], tid[b[0]]) for a, b in itertools.pairwise(groups)] if w.phrase else []
        chunk_article = data.chunk_article

        # every term id the groups hold, sorted, and which groups each belongs to (an alternative may
        # serve two groups)
        known = sorted(set().union(*group_ids))
        known_ids = np.asarray(known, dtype=np.int64)
        row_of = {t: row for row, t in enumerate(known)}
        member = np.zeros((len(known) + 1, len(groups)), dtype=bool)  # last row: a term no group holds
        for g, gids in enumerate(group_ids):
            for t in gids:
                member[row_of[t], g] = True
        pair_times: dict[tuple[int, int], int] = {}  # a pair the question repeats counts each time
        for a, b in pairs:
            if a in row_of and b in row_of:
                rows = (row_of[a], row_of[b])
                pair_times[rows] = pair_times.get(rows, 0) + 1
        pair_matrix = np.zeros((len(known), len(known)), dtype=np.int64)
        for (a, b), times in pair_times.items():
            pair_matrix[a, b] = times

        def look(chunks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """(which groups each chunk holds: bool chunks × groups, how many adjacent pairs it keeps),
            with a fixed number of array operations however many groups and pairs there are (one kernel
            call with numba)."""
            found = data.chunk_terms_held(chunks, known_ids, member[:-1], pair_matrix)
            if found is not None:
                return found
            tokens, bounds = data.chunk_term_ids_many(chunks)
            n = chunks.size
            lengths = np.diff(bounds)
            sentence = np.repeat(np.arange(n, dtype=np.int64), lengths)  # each token's chunk (row)
            at = np.minimum(np.searchsorted(known_ids, tokens), len(known))
            if known:
                at[known_ids[np.minimum(at, len(known) - 1)] != tokens] = len(known)  # not a question term
            present = np.zeros((n, len(known) + 1), dtype=bool)
            present[sentence, at] = True
            holds = (present[:, :-1].astype(np.uint8) @ member[:-1].astype(np.uint8)) > 0
            counts = np.zeros(n, dtype=np.int64)
            if pair_times and tokens.size > 1:
                # positions where a question term is followed by another in the same sentence: few
                term = at < len(known)
                pos = np.flatnonzero(term[:-1] & term[1:] & (sentence[:-1] == sentence[1:]))
                adjacent = set(zip(sentence[pos].tolist(), at[pos].tolist(), at[pos + 1].tolist(), strict=True))
                for row, a, b in adjacent:
                    counts[row] += pair_times.get((a, b), 0)
            return holds, counts

        kernels = numba_kernels() if not w.neighbours else None
        stored = data.term_lists() if kernels is not None else (None, None)
        # what the evidence kernel reads of the question (the same for the candidates and their neighbours)
        asked = (() if stored[0] is None else
                 (_readonly(known_ids), _readonly(member[:-1]), _readonly(pair_matrix)))
        scored_articles = (() if stored[0] is None else
                           (_readonly(articles_scored.known.astype(np.int64)), _readonly(articles_scored.values)))
        chunks = ids.astype(np.int64)
        raws = np.asarray(scores)
        ranked = None
        if kernels is not None and stored[0] is not None:  # all that follows in one call
            seg_of, local_of, of_article, story_pos, lead_by_position, day_of, starts, quotable = self._ranking_arrays()
            ranked = kernels.ranked(
                *stored, seg_of, local_of, _readonly(chunks), *asked, of_article, *scored_articles, best_article,
                _readonly(raws), best, story_pos, lead_by_position, _readonly(group_weight), total_weight, w.article,
                w.coverage, w.lead, w.phrase, float(len(pairs)), day_of, starts, quotable, w.expand, w.expand_share, k)
        if ranked is not None and ranked[-1]:
            chunks, raws, scored, art_norms, coverages, holds, best_first, _found = ranked
            return self._hits(groups, chunks, scored, raws, art_norms, coverages, holds, best_first)
        # without numba (or an article the kernel lacks): the same in Python and numpy

        def evidence(chunks: np.ndarray, raws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
            """(score, normalised article score, coverage, which groups it holds) of each chunk, all at once;
            every sum in the order a single Hit's always was, so the scores are the same to the last bit
            (coverage: the groups' weights added one after the other, as ``np.add.accumulate`` does). With
            numba, one kernel call does the same operations in the same order."""
            if kernels is not None and stored[0] is not None:
                score, art_norm, coverage, holds, found = kernels.evidence(
                    *stored, np.ascontiguousarray(data.sentences.seg_of[chunks]),
                    np.ascontiguousarray(data.sentences.local_of[chunks]), *asked,
                    _readonly(chunk_article[chunks].astype(np.int64)), *scored_articles, best_article,
                    _readonly(raws), best, _readonly(self._lead_of(chunks)), _readonly(group_weight), total_weight,
                    w.article, w.coverage, w.lead, w.phrase, float(len(pairs)))
                if found:
                    return score, art_norm, coverage, holds
            holds, pair_counts = look(chunks)
            arts = chunk_article[chunks]
            coverage = np.add.accumulate(np.where(holds, group_weight, 0.0), axis=1)[:, -1] / total_weight
            art_norm = article_score(arts) / best_article
            neighbour = np.zeros(chunks.size)
            if w.neighbours:
                score_of = dict(zip(ids.tolist(), (scores / best).tolist(), strict=True))
                starts_of = np.append(np.asarray(data.article_first, dtype=np.int64), data.n_chunks)
                firsts, lasts = starts_of[arts], starts_of[arts + 1]  # articles are contiguous, in order
                for j, chunk in enumerate(chunks.tolist()):
                    neighbour[j] = max((score_of.get(n, 0.0) for n in (chunk - 1, chunk + 1)
                                        if firsts[j] <= n < lasts[j]), default=0.0)
            lead = self._lead_of(chunks)
            score = (raws / best + w.article * art_norm + w.coverage * coverage + w.neighbours * neighbour
                     + w.lead * lead)
            if pairs:
                score = score + w.phrase * pair_counts / len(pairs)
            return score, art_norm, coverage, holds

        days = self.article_days

        def ordered(chunks: np.ndarray, evidence: np.ndarray) -> np.ndarray:
            """Best evidence first; equal evidence: the newer article's, then the earlier sentence (as
            positions into the arrays)."""
            newer = -days[chunk_article[chunks]].astype(np.int64)
            return np.lexsort((chunks, newer, -evidence))

        scored, art_norms, coverages, holds = evidence(chunks, raws)
        if w.expand:
            # The sentences around the best ones join the candidates: the answer to "Who directed Che?"
            # is often the sentence after the one that names Che.
            candidates = set(ids.tolist())
            added: dict[int, float] = {}
            for top in ordered(chunks, scored)[: w.expand].tolist():
                chunk, top_score = int(chunks[top]), float(scored[top])
                record = data.articles[int(chunk_article[chunk])]
                for n in (chunk - 1, chunk + 1):
                    if (record.first_chunk <= n < record.first_chunk + record.n_chunks and n not in candidates
                            and n not in added and self._quotable[n]):
                        added[n] = top_score
            if added:
                near = np.asarray(sorted(added), dtype=np.int64)
                near_scores, near_arts, near_cov, near_holds = evidence(near, np.zeros(near.size))
                floor = w.expand_share * np.asarray([added[n] for n in near.tolist()], dtype=np.float64)
                chunks = np.concatenate([chunks, near])
                raws = np.concatenate([raws, np.zeros(near.size)])
                scored = np.concatenate([scored, np.maximum(near_scores, floor)])
                art_norms = np.concatenate([art_norms, near_arts])
                coverages = np.concatenate([coverages, near_cov])
                holds = np.concatenate([holds, near_holds])
        best_first = ordered(chunks, scored)[:k]
        return self._hits(groups, chunks, scored, raws, art_norms, coverages, holds, best_first)

    def _hits(self, groups: list[list[str]], chunks: np.ndarray, scored: np.ndarray, raws: np.ndarray,
              art_norms: np.ndarray, coverages: np.ndarray, holds: np.ndarray, best_first: np.ndarray) -> list[Hit]:
        """A Hit, with its text and terms, for each of the candidates at positions best_first."""
        data = self.data
        chunk_article = data.chunk_article
        firsts = [g[0] for g in groups]
        hits = []
        for chunk, score, raw, art_norm, coverage, held, (text, term_ids) in zip(
                chunks[best_first].tolist(), scored[best_first].tolist(), raws[best_first].tolist(),
                art_norms[best_first].tolist(), coverages[best_first].tolist(), holds[best_first].tolist(),
                data.chunks_read(chunks[best_first]), strict=True):
            record = data.articles[int(chunk_article[chunk])]
            matched = frozenset(t for t, h in zip(firsts, held, strict=True) if h)
            hits.append(Hit(chunk, record, chunk - record.first_chunk, text, score, raw, art_norm, coverage, matched,
                            term_ids))
        return hits

    def _ranking_arrays(self) -> tuple[np.ndarray, ...]:
        """What the ranking kernel reads of the snapshot besides the stored terms, read-only, made once: each
        sentence's segment, place in it, article and place in its story, the lead bonus by place, each
        article's day and first sentence (one past the last article's end too), which sentences are quotable."""
        if self._ranking is None:
            data = self.data
            starts = np.append(np.asarray(data.article_first, dtype=np.int64), np.int64(data.n_chunks))
            self._ranking = tuple(_readonly(np.ascontiguousarray(a, dtype=t)) for a, t in (
                (data.sentences.seg_of, np.int32), (data.sentences.local_of, np.int32),
                (data.chunk_article, np.int32), (self._story_pos, np.int32), (self._lead_by_position, np.float64),
                (self.article_days, np.int32), (starts, np.int64), (self._quotable, np.bool_)))
        return self._ranking

    def _article_scores(self, terms: list[str], chunks: np.ndarray, articles: np.ndarray | None = None
                        ) -> _ArticleScores:
        """The article-level BM25 score of the candidates' articles (exact, computed for them only), and the
        best article score over the whole index (or the articles allowed)."""
        arts = np.sort(np.asarray(self.data.chunk_article)[chunks])
        known = arts[np.concatenate(([True], arts[1:] != arts[:-1]))]  # np.unique's, without its checks
        values, best = self.data.headlines.scores_and_best(terms, known, allowed=articles)
        return _ArticleScores(self.data, terms, known, values, best if best > 0.0 else 1.0)

    def _lead_of(self, chunks: np.ndarray) -> np.ndarray:
        return self._lead_by_position[self._story_pos[chunks]]

    def context(self, chunk: int, before: int = 1, after: int = 1) -> list[tuple[int, str]]:
        """The sentence with its neighbours in the same article, for /sources N."""
        record = self.data.articles[int(self.data.chunk_article[chunk])]
        lo = max(record.first_chunk, chunk - before)
        hi = min(record.first_chunk + record.n_chunks, chunk + after + 1)
        return [(i, self.data.chunk_text(i)) for i in range(lo, hi)]


class _ArticleScores:
    """Articles' scores for one question: those of the candidates' articles, known ascending, and any other's
    when asked (`of`); best is the best article's score (1.0 in the odd tiny corpus where none scores above 0)."""

    def __init__(self, data: IndexData, terms: list[str], known: np.ndarray, values: np.ndarray, best: float) -> None:
        self.data, self.terms, self.known, self.values, self.best = data, terms, known, values, best

    def of(self, arts: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(self.known, arts), self.known.size - 1)
        missing = self.known[at] != arts
        if missing.any():
            more = np.unique(arts[missing])
            known = np.concatenate([self.known, more])
            values = np.concatenate([self.values, self.data.headlines.scores_of(self.terms, more)])
            order = np.argsort(known, kind="stable")
            self.known, self.values = known[order], values[order]
            at = np.searchsorted(self.known, arts)
        return self.values[at]


def _story_positions(data: IndexData, quotable: np.ndarray) -> np.ndarray:
    """Each chunk's place among its article's quotable sentences (0 = the lead), whatever precedes it."""
    n = quotable.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int32)
    running = np.cumsum(quotable, dtype=np.int64) - quotable  # quotable chunks before each chunk
    # quotable chunks before each article starts
    before_article = running[np.asarray(data.article_first, dtype=np.int64)]
    return (running - before_article[np.asarray(data.chunk_article, dtype=np.int64)]).astype(np.int32)
