"""A snapshot: a commit's segments seen as one index, exactly as a full build of the corpus would be.

The canonical order is a full build's: corpus files by name, articles in file order, sentences in
article order, deleted ones left out. Each live article and sentence gets its canonical id; each
segment's documents map to them (``canon``, -1 when deleted), which is how the query kernels skip
deletions and break ties as a full build would. Each term's first live occurrence in a segment
becomes a key comparable across segments (the file's canonical rank, then the offset), so the
scorer can sum rank-bm25's average idf in the corpus's order of first appearance.

A new snapshot is usually derived from the previous one (``derive_snapshot``), at a cost that does
not grow with the files and segments already indexed: when the commit only adds files that sort
after every other (an add: their articles are numbered after all the others) and merges segments
(the same articles, the same canonical ids), the previous snapshot's canonical arrays are grown, the
kept segments' canonical ids and postings shared, and only what depends on N and avgdl (idf, the
length norms) computed again. Anything else (an edit, a removal, a file sorting earlier, new
deletions) makes the snapshot whole (``make_snapshot``); both give the same arrays and scores.

Deletion states: which of a segment's articles a commit deletes, with the statistics that follow
(live document frequencies, first live occurrences), in ``deletes/<segment>-<generation>/``, written
with the commit that made them and never changed."""

from __future__ import annotations

import bisect
import functools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import fsync_dir
from .._errors import CorpusError, IndexFileError
from ..bm25 import BM25Scorer, Lexicon, LiveStats, ScoredSegment
from ..bm25._kernels import array_list, numba_kernels, typed_lists_ready
from ..text import resolve_acronyms
from ._commit import Commit
from ._integrity import Verifier, check_sizes, file_checksum
from ._model import BM25_PARAMS, ArticleRecord, LazyRecords
from ._segment import FIELDS, RecordTable, Segment, _load_npy, _save_npy, ranges

_RANK_SHIFT = 40  # first-appearance key: file rank << 40 | token offset in the segment


class ArticleList(LazyRecords):
    """A snapshot's live articles in canonical order, each made when first read: a file whose articles
    keep their sentence numbers lends the segment's own records; elsewhere (after a file that sorts
    earlier was added, say) a record is copied with its new first sentence number when it is read,
    not all 170,000 of them at every commit."""

    def __init__(self, blocks: list[tuple[int, RecordTable, int, int, bool, np.ndarray | None]],
                 first: np.ndarray) -> None:
        # per file: (canonical index of its first live article, the segment's records, its first
        # local article, live articles, whether the records can be lent as they are, the live local
        # articles when some of the file's are not live); first: each article's canonical first sentence
        self._blocks = blocks
        self._starts = [b[0] for b in blocks]
        self._first = first
        self._total = int(first.shape[0])
        self._made: dict[int, ArticleRecord] = {}

    def extended(self, blocks: list[tuple[int, RecordTable, int, int, bool, np.ndarray | None]],
                 first: np.ndarray) -> ArticleList:
        """These articles and then those of ``blocks`` (an add: articles after every one here)."""
        out = ArticleList.__new__(ArticleList)
        out._blocks = self._blocks + blocks
        out._starts = self._starts + [b[0] for b in blocks]
        out._first = first
        out._total = int(first.shape[0])
        out._made = {}
        return out

    def __len__(self) -> int:
        return self._total

    def _one(self, i: int) -> ArticleRecord:
        start, records, lo, _n, lend, local = self._blocks[bisect.bisect_right(self._starts, i) - 1]
        k = lo + i - start if local is None else int(local[i - start])
        if lend:
            return records[k]
        made = self._made.get(i)
        if made is None:
            made = self._made[i] = _moved(records[k], int(self._first[i]))
        return made

    def column(self, name: str) -> list[Any]:
        """One field (``RecordTable.COLUMNS``) of every live article in canonical order, read from the
        segments' columns without making a record (the articles' dates at every snapshot: 0.4 s saved at
        170,000 articles)."""
        out: list[Any] = []
        for _start, records, lo, n, _lend, local in self._blocks:
            values = records.columns[name]
            out.extend(values[lo : lo + n] if local is None else [values[int(j)] for j in local])
        return out

    def __iter__(self) -> Iterator[ArticleRecord]:
        for start, records, lo, n, lend, _local in self._blocks:
            if lend:
                yield from records[lo : lo + n]
            else:
                for j in range(n):
                    yield self._one(start + j)


@dataclass
class IndexData:
    """One snapshot of the index, as a full build of the corpus would be: the live articles and
    their sentences numbered in canonical order (files by name, articles in file order, sentences in
    article order), and the two BM25 scorers over them. Immutable: a new commit is a new snapshot,
    and a question keeps the snapshot it started with."""

    commit: Commit  # the commit this snapshot is
    identity: str  # changes whenever the live articles do
    articles: Sequence[ArticleRecord]
    article_first: np.ndarray  # int64, each article's first sentence (canonical)
    chunk_article: np.ndarray  # int32, article of each sentence
    quotable: np.ndarray  # bool
    sentences: BM25Scorer  # over sentences
    headlines: BM25Scorer  # over articles: headline + text, for article-level evidence
    acronyms: dict[str, list[str]]
    lexicon: Lexicon
    segments: list[Segment]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # what the corpus holds that is not indexed
    warnings: list[tuple[str, str]] = field(default_factory=list)
    corpus: Path | None = None  # where it came from, for refresh_index
    cache_dir: Path | None = None
    _vocabulary: list[str] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _basis: Basis | None = field(default=None, repr=False, compare=False)  # what derive_snapshot starts from
    _token_lists: tuple[Any, Any] | None = field(default=None, init=False, repr=False, compare=False)  # numba lists

    @property
    def manifest(self) -> dict[str, Any]:
        """The commit as its file says it (made when asked: a thousand files' entries are not
        worth converting at every add)."""
        return self.commit.to_json()

    @property
    def n_chunks(self) -> int:
        return int(self.chunk_article.shape[0])

    @property
    def vocabulary(self) -> list[str]:
        """Sorted sentence terms of the live sentences, for prefix look-ups of words the corpus lacks
        (made on first use)."""
        if self._vocabulary is None:
            with self._lock:
                if self._vocabulary is None:
                    self._vocabulary = sorted(self.sentences.terms())
        return self._vocabulary

    def _where(self, i: int) -> tuple[Segment, int]:
        if not 0 <= i < self.n_chunks:
            raise IndexError(f"sentence {i} outside the index")
        return self.segments[int(self.sentences.seg_of[i])], int(self.sentences.local_of[i])

    def chunk_text(self, i: int) -> str:
        segment, local = self._where(i)
        return segment.chunk_text(local)

    def chunk_term_ids(self, i: int) -> np.ndarray:
        """The sentence's analyzed terms in order, as term ids (``lexicon``), read, not re-analyzed."""
        segment, local = self._where(i)
        return segment.chunk_tokens(local)

    def chunk_term_ids_many(self, chunks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The terms of many sentences at once, in the order given: (term ids back to back, where
        each sentence's start, with the end as last entry). One slice per sentence: a question's hundred
        candidates are spread over every segment, and per-segment array passes cost more than that (the
        ranking reads them in place with numba: `chunk_terms_held`)."""
        segs = self.sentences.seg_of[chunks].tolist()
        locs = self.sentences.local_of[chunks].tolist()
        arrays = [segment.arrays for segment in self.segments]
        parts = []
        for s, local in zip(segs, locs, strict=True):
            ptr = arrays[s]["tokptr"]
            parts.append(arrays[s]["tokens"][ptr[local] : ptr[local + 1]])
        bounds = np.zeros(len(parts) + 1, dtype=np.int64)
        if not parts:
            return np.zeros(0, dtype=np.int32), bounds
        np.cumsum(np.fromiter((part.shape[0] for part in parts), dtype=np.int64, count=len(parts)), out=bounds[1:])
        return np.concatenate(parts).astype(np.int32, copy=False), bounds

    def chunks_read(self, chunks: np.ndarray) -> list[tuple[str, tuple[int, ...]]]:
        """Each sentence's text and stored term ids (`chunk_text`, `chunk_term_ids` as a tuple), read for a
        question's returned hits at once: their segments looked up in one pass, two slices each."""
        if chunks.size and not (0 <= int(chunks.min()) and int(chunks.max()) < self.n_chunks):
            raise IndexError("sentence outside the index")
        arrays = [segment.arrays for segment in self.segments]
        out = []
        for s, local in zip(self.sentences.seg_of[chunks].tolist(), self.sentences.local_of[chunks].tolist(),
                            strict=True):
            stored = arrays[s]
            start, end = stored["text_offsets"][local : local + 2].tolist()
            first, last = stored["tokptr"][local : local + 2].tolist()
            out.append((bytes(stored["text_blob"][start:end]).decode("utf-8"),
                        tuple(stored["tokens"][first:last].tolist())))
        return out

    def chunk_terms_held(self, chunks: np.ndarray, known: np.ndarray, member: np.ndarray, pair_times: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray] | None:
        """For each sentence: which groups of terms it holds (bool sentences x groups: a term ``known[r]``
        with ``member[r, g]``) and the sum of ``pair_times[a, b]`` over the distinct adjacent pairs of known
        terms (rows a, b) it holds, read in one kernel call from the stored terms (the ranking's evidence,
        `Retriever.rank`); None without numba or before its typed lists are compiled (the caller then
        works it out with numpy, the same result). ``known``: ascending int64 term ids."""
        kernels = numba_kernels()
        if kernels is None:
            return None
        lists = self.term_lists()
        if lists[0] is None:
            return None

        def ready(a: np.ndarray, dtype: type) -> np.ndarray:
            view = np.ascontiguousarray(a, dtype=dtype).view(np.ndarray)
            view.flags.writeable = False
            return view

        holds, counts, _first = kernels.terms_held(
            *lists, np.ascontiguousarray(self.sentences.seg_of[chunks]),
            np.ascontiguousarray(self.sentences.local_of[chunks]), ready(known, np.int64), ready(member, np.bool_),
            ready(pair_times, np.int64))
        return holds, counts

    def term_lists(self) -> tuple[Any, Any]:
        """The segments' stored terms and their row starts as numba typed lists, made once per snapshot (a
        race makes the same lists twice); (None, None) until numba's typed lists are compiled."""
        if self._token_lists is None:
            if not typed_lists_ready():
                return None, None  # not compiled yet: asked again by a later question
            self._token_lists = (array_list([s.arrays["tokens"] for s in self.segments], np.int32),
                                 array_list([s.arrays["tokptr"] for s in self.segments], np.int64))
        return self._token_lists

    def chunk_terms(self, i: int) -> list[str]:
        return self.lexicon.terms(self.chunk_term_ids(i).tolist())

    def position(self, i: int) -> int:
        return i - self.articles[int(self.chunk_article[i])].first_chunk


@dataclass
class LiveSegment:
    """A segment with a commit's deletions: which articles are live, and the fields' live statistics."""

    segment: Segment
    live: np.ndarray | None  # bool per local article; None when every article is live
    stats: dict[str, LiveStats]

    @classmethod
    def of(cls, segment: Segment, live: np.ndarray | None) -> LiveSegment:
        """Compute the live statistics (all live when live is None or all True)."""
        if live is not None and bool(live.all()):
            live = None
        stats = {}
        for name in FIELDS:
            docs_live = None if live is None else (live if name == "articles" else chunk_live(segment, live))
            stats[name] = segment.fields[name].live_stats(functools.partial(segment.tokens_of, name), docs_live)
        return cls(segment, live, stats)

    def n_live_chunks(self) -> int:
        return self.stats["sentences"].n_docs

    def save(self, directory: Path) -> dict[str, str]:
        """Write the deletion state (a new directory); returns the files' checksums."""
        assert self.live is not None
        directory.mkdir(parents=True)
        _save_npy(directory / "live.npy", self.live, np.dtype(np.bool_))
        for name in FIELDS:
            for key, arr in self.stats[name].arrays().items():
                _save_npy(directory / f"{name[0]}_{key}.npy", arr, arr.dtype)
        fsync_dir(directory)
        return {p.name: file_checksum(p, p.stat().st_size) for p in sorted(directory.iterdir())}

    @classmethod
    def load(cls, segment: Segment, directory: Path, checksums: dict[str, str]) -> LiveSegment:
        meta = {"checksums": checksums, "sizes": {}}
        try:
            check_sizes(directory, meta)
            Verifier(directory, meta).result()  # small files: checked here and now
            live = _load_npy(directory / "live.npy", np.dtype(np.bool_))
            if live.shape != (segment.n_articles,):
                raise IndexFileError(f"deletions of {segment.name} do not match its articles")
            stats = {}
            for name in FIELDS:
                postings = segment.fields[name]
                df = _load_npy(directory / f"{name[0]}_df.npy", np.dtype(np.int32))
                first = _load_npy(directory / f"{name[0]}_first.npy", np.dtype(np.int64))
                if df.shape != (postings.n_terms,) or first.shape != (postings.n_terms,):
                    raise IndexFileError(f"deletions of {segment.name} do not match its terms")
                docs_live = live if name == "articles" else chunk_live(segment, live)
                stats[name] = LiveStats(df=df, first=first, n_docs=int(docs_live.sum()),
                                        total_tokens=int(postings.lengths[docs_live].sum(dtype=np.int64)))
        except IndexFileError:
            raise
        except (OSError, ValueError, KeyError) as exc:
            raise IndexFileError(f"unreadable deletions of {segment.name}: {exc}") from None
        return cls(segment, live, stats)


def chunk_live(segment: Segment, live_articles: np.ndarray) -> np.ndarray:
    return live_articles[segment.arrays["chunk_article"]]


class _Placement:
    """Where segments' live articles and sentences go in the canonical order: files are placed one by
    one in canonical order (integers only: where each one's live articles and sentences start), then
    each segment's canonical ids are worked out at once."""

    def __init__(self, segs: list[LiveSegment]) -> None:
        self.segs = segs
        self.file_pos = [{f.name: j for j, f in enumerate(s.segment.files)} for s in segs]
        self.rank_of_file = [np.full(len(s.segment.files), -1, dtype=np.int64) for s in segs]
        # per segment: prefix counts of live articles and of their sentences, in local order
        self.live_masks, self.art_cum, self.chunk_cum = [], [], []
        for s in segs:
            _first, count = s.segment.record_arrays()
            mask = np.ones(count.shape[0], dtype=bool) if s.live is None else np.asarray(s.live, dtype=bool)
            self.live_masks.append(mask)
            self.art_cum.append(np.concatenate(([0], np.cumsum(mask, dtype=np.int64))).tolist())
            self.chunk_cum.append(np.concatenate(([0], np.cumsum(np.where(mask, count, 0), dtype=np.int64))).tolist())
        self.art_start = [np.zeros(len(s.segment.files), dtype=np.int64) for s in segs]  # canonical start per file
        self.chunk_start = [np.zeros(len(s.segment.files), dtype=np.int64) for s in segs]

    def place(self, i: int, name: str, rank: int, next_art: int, next_chunk: int,
              blocks: list[tuple[int, RecordTable, int, int, bool, np.ndarray | None]]) -> tuple[int, int]:
        """Place file ``name`` of segment i at canonical rank ``rank``, its live articles from
        next_art and sentences from next_chunk; returns where the next file's start."""
        segment = self.segs[i].segment
        j = self.file_pos[i].get(name)
        if j is None:
            raise IndexFileError(f"segment {segment.name} does not hold {name}")
        sf = segment.files[j]
        self.rank_of_file[i][j] = rank
        self.art_start[i][j], self.chunk_start[i][j] = next_art, next_chunk
        n_art = self.art_cum[i][sf.hi] - self.art_cum[i][sf.lo]
        n_chunk = self.chunk_cum[i][sf.hi] - self.chunk_cum[i][sf.lo]
        if n_art:
            whole = n_art == sf.hi - sf.lo
            local = None if whole else sf.lo + np.flatnonzero(self.live_masks[i][sf.lo : sf.hi])
            lend = whole and int(segment.records.first_chunks[sf.lo]) == next_chunk
            blocks.append((next_art, segment.records, sf.lo, n_art, lend, local))
        return next_art + n_art, next_chunk + n_chunk

    def number(self, i: int, s: LiveSegment, article_first: np.ndarray, chunk_article: np.ndarray,
               quotable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Segment i's canonical ids (articles, sentences; -1 when deleted), once its files are
        placed, written into the canonical arrays."""
        canon_arts = np.full(s.segment.n_articles, -1, dtype=np.int32)
        canon_chunks_out = np.full(s.segment.n_chunks, -1, dtype=np.int32)
        arts = np.flatnonzero(self.live_masks[i])
        if arts.size == 0:
            return canon_arts, canon_chunks_out
        files = s.segment.files
        file_lo = np.asarray([f.lo for f in files], dtype=np.int64)
        owner = np.searchsorted(file_lo, arts, side="right") - 1  # each live article's file
        if np.any(self.rank_of_file[i][owner] < 0):
            raise IndexFileError(f"deletions of {s.segment.name} do not match the commit's files")
        a_cum = np.asarray(self.art_cum[i], dtype=np.int64)
        c_cum = np.asarray(self.chunk_cum[i], dtype=np.int64)
        canon_art = self.art_start[i][owner] + (a_cum[arts] - a_cum[file_lo[owner]])
        first, count = s.segment.record_arrays()
        counts = count[arts]
        canon_first = self.chunk_start[i][owner] + (c_cum[arts] - c_cum[file_lo[owner]])
        chunks = ranges(first[arts], counts)
        canon_chunks = ranges(canon_first, counts)
        canon_arts[arts] = canon_art
        canon_chunks_out[chunks] = canon_chunks
        article_first[canon_art] = canon_first
        chunk_article[canon_chunks] = np.repeat(canon_art, counts)
        quotable[canon_chunks] = s.segment.arrays["quotable"][chunks]
        return canon_arts, canon_chunks_out


def make_snapshot(commit: Commit, live_segments: dict[str, LiveSegment], lexicon: Lexicon) -> IndexData:
    """The IndexData of a commit whose segments (with their deletions) are loaded.

    Per file (canonical order) only integers are worked out (where its live articles and sentences
    start); the arrays are made per segment, so a corpus of a thousand small files costs a thousand
    small steps, not a thousand rounds of numpy calls."""
    order = [entry.name for entry in commit.segments]
    index_of = {name: i for i, name in enumerate(order)}
    segs = [live_segments[name] for name in order]
    plan = _Placement(segs)
    blocks: list[tuple[int, RecordTable, int, int, bool, np.ndarray | None]] = []
    next_art = next_chunk = 0
    for rank, entry in enumerate(commit.files):
        if entry.segment is None:
            continue
        i = index_of.get(entry.segment)
        if i is None:
            raise IndexFileError(f"commit names a segment it does not list: {entry.segment}")
        next_art, next_chunk = plan.place(i, entry.name, rank, next_art, next_chunk, blocks)
    if not next_art:
        reasons = "; ".join(f"{name}: {why}" for entry in commit.files for name, why in entry.skipped[:3])[:300]
        where = commit.corpus or "the corpus"
        raise CorpusError(f"no readable article in {where}" + (f" ({reasons})" if reasons else ""))
    article_first = np.empty(next_art, dtype=np.int64)
    chunk_article = np.empty(next_chunk, dtype=np.int32)
    quotable = np.empty(next_chunk, dtype=bool)
    canon: dict[str, list[np.ndarray]] = {name: [] for name in FIELDS}
    for i, s in enumerate(segs):
        canon_art, canon_chunk = plan.number(i, s, article_first, chunk_article, quotable)
        canon["articles"].append(canon_art)
        canon["sentences"].append(canon_chunk)
    rank_of_file = plan.rank_of_file
    for name in FIELDS:  # every document the deletions leave live has a canonical id, and no other
        for i, seg in enumerate(segs):
            if int((canon[name][i] >= 0).sum()) != seg.stats[name].n_docs:
                raise IndexFileError(f"deletions of {seg.segment.name} do not match the commit's files")
    # acronym definitions of the live articles, counted in canonical order as a full build counts them
    found, touched = _count_acronyms({}, [(s.segment, canon["articles"][i]) for i, s in enumerate(segs)])
    acronyms, resolved = _resolve(found, {}, touched)
    scorers = {}
    scored: dict[str, dict[str, ScoredSegment]] = {}
    for name in FIELDS:
        scored[name] = {s.segment.name: _scored(s, name, canon[name][i], rank_of_file[i]) for i, s in enumerate(segs)}
        scorers[name] = BM25Scorer(list(scored[name].values()), lexicon, **BM25_PARAMS)
    basis = Basis(commit, dict(zip(order, segs, strict=True)), scored, found, resolved)
    return _data(commit, basis, ArticleList(blocks, article_first), article_first, chunk_article, quotable,
                 scorers, acronyms, lexicon, [s.segment for s in segs])


def _scored(s: LiveSegment, name: str, canon: np.ndarray, rank_of_file: np.ndarray) -> ScoredSegment:
    """The segment's field as a scorer takes it: each term's first live occurrence made a key
    comparable across segments (its file's canonical rank, then the offset)."""
    stats = s.stats[name]
    starts = s.segment.file_token_starts(name)
    owner = np.maximum(np.searchsorted(starts, stats.first, side="right") - 1, 0)
    key = np.where(stats.first >= 0, (rank_of_file[owner] << _RANK_SHIFT) | stats.first, -1)
    return ScoredSegment(s.segment.fields[name], stats, canon, key)


def _data(commit: Commit, basis: Basis, articles: ArticleList, article_first: np.ndarray, chunk_article: np.ndarray,
          quotable: np.ndarray, scorers: dict[str, BM25Scorer], acronyms: dict[str, list[str]], lexicon: Lexicon,
          segments: list[Segment], *, skipped: list[tuple[str, str]] | None = None,
          warnings: list[tuple[str, str]] | None = None) -> IndexData:
    if skipped is None:
        skipped = [item for entry in commit.files for item in entry.skipped] + list(commit.duplicates)
    if warnings is None:
        warnings = [item for entry in commit.files for item in entry.warnings]
    return IndexData(
        commit=commit,
        identity=commit.content_id,
        articles=articles,
        article_first=article_first,
        chunk_article=chunk_article,
        quotable=quotable,
        sentences=scorers["sentences"],
        headlines=scorers["articles"],
        acronyms=acronyms,
        lexicon=lexicon,
        segments=segments,
        skipped=skipped,
        warnings=warnings,
        _basis=basis,
    )


def _count_acronyms(found: dict[str, dict[str, int]], parts: list[tuple[Segment, np.ndarray]]
                    ) -> tuple[dict[str, dict[str, int]], set[str]]:
    """``found`` (not changed) with the acronym definitions of the live articles of ``parts``
    (segment, canonical id of each of its articles) added in canonical order, and which acronyms
    that touched. The parts' articles come after every article already counted."""
    defined: list[tuple[int, str, str, int]] = []
    for segment, canon_art in parts:
        defined += [(int(canon_art[a]), short, phrase, times) for a, short, phrase, times in segment.acronyms
                    if canon_art[a] >= 0]
    defined.sort(key=lambda item: item[0])  # stable: an article's own order is kept
    out = dict(found)
    touched: set[str] = set()
    for _, short, phrase, times in defined:
        if short not in touched:
            out[short] = dict(out.get(short, {}))  # copied: the previous snapshot keeps its counts
            touched.add(short)
        bucket = out[short]
        bucket[phrase] = bucket.get(phrase, 0) + times
    return out, touched


def _resolve(found: dict[str, dict[str, int]], resolved: dict[str, tuple[str, list[str]] | None], touched: set[str]
             ) -> tuple[dict[str, list[str]], dict[str, tuple[str, list[str]] | None]]:
    """``resolve_acronyms(found)``, re-resolving only the touched acronyms (the others' expansions
    are in ``resolved``, by acronym)."""
    cache = dict(resolved)
    for short in touched:
        one = resolve_acronyms({short: found[short]})
        cache[short] = next(iter(one.items()), None)
    out: dict[str, list[str]] = {}
    for short in found:  # found's order, as resolve_acronyms: a later acronym with the same term wins
        item = cache[short]
        if item is not None:
            out[item[0]] = item[1]
    return out, cache


def _moved(record: ArticleRecord, first_chunk: int) -> ArticleRecord:
    """The record with another first sentence number (the frozen dataclass's __init__ bypassed)."""
    moved = object.__new__(ArticleRecord)
    moved.__dict__.update(record.__dict__)
    moved.__dict__["first_chunk"] = first_chunk
    return moved


@dataclass(frozen=True)
class Basis:
    """What a snapshot keeps for ``derive_snapshot``: its commit, the segments with the deletions it
    used, each field's segments as its scorer took them, and the acronym counts with each acronym's
    expansion."""

    commit: Commit
    lives: dict[str, LiveSegment]
    scored: dict[str, dict[str, ScoredSegment]]  # field → segment name → ScoredSegment
    found: dict[str, dict[str, int]]
    resolved: dict[str, tuple[str, list[str]] | None]


def snapshot_of(commit: Commit, live_segments: dict[str, LiveSegment], lexicon: Lexicon,
             previous: IndexData | None = None) -> IndexData:
    """The commit's IndexData: derived from ``previous`` when it can be (``derive_snapshot``), else
    made whole (``make_snapshot``); the same arrays and scores either way."""
    if previous is not None:
        derived = derive_snapshot(previous, commit, live_segments, lexicon)
        if derived is not None:
            DERIVED["derived"] += 1
            return derived
    DERIVED["made"] += 1
    return make_snapshot(commit, live_segments, lexicon)


DERIVED = {"derived": 0, "made": 0}  # snapshots derived / made whole in this process (benchmarks read it)


def derive_snapshot(previous: IndexData, commit: Commit, live_segments: dict[str, LiveSegment], lexicon: Lexicon
                    ) -> IndexData | None:
    """``make_snapshot(commit, ...)`` made from the previous snapshot at a cost that does not grow
    with the files and segments already there, when the commit differs from the previous one only by

    * new corpus files, sorting after every file it had, whose articles are in new segments (an add:
      their articles and sentences come after all the others in the canonical order), and
    * segments merged into new ones (the same live articles of the same files);

    every other segment keeping the same deletions, the term table only grown. None otherwise (an
    edit, a removal, a file sorting earlier, new deletions): the caller makes the snapshot whole.

    Shared with the previous snapshot: every array that does not change (canonical ids of the kept
    segments, their postings, the articles before). Made anew: what depends on N and avgdl (idf,
    norms), the canonical arrays grown by the new articles, the merged segments' canonical ids (read
    from the segments they replace)."""
    basis = previous._basis
    if basis is None:
        return None
    before = basis.commit
    old_lexicon = previous.lexicon
    if len(lexicon) < len(old_lexicon) or (lexicon is not old_lexicon and not np.array_equal(
            lexicon.term_hash[: len(old_lexicon)], old_lexicon.term_hash)):
        return None
    k = len(before.files)
    if len(commit.files) < k or not all(name in live_segments for name in (e.name for e in commit.segments)):
        return None
    names = [e.name for e in commit.segments]
    old_names = [e.name for e in before.segments]
    old_index = {name: j for j, name in enumerate(old_names)}
    fresh = {name for name in names if name not in old_index}
    gone = set(old_names) - set(names)
    for name in names:
        if name in old_index and live_segments[name] is not basis.lives.get(name):
            return None  # other deletions
    moved: dict[str, list[tuple[str, str]]] = {}  # merged segment → (file, segment it was in), in file order
    rank_of: dict[tuple[str, str], int] = {}  # (fresh segment, file) → the file's rank in the corpus
    if gone or commit.files[:k] != before.files:  # an add keeps every entry: compared as lists, in C
        for rank, (a, b) in enumerate(zip(before.files, commit.files[:k], strict=True)):
            if a is b:
                if a.segment in gone:
                    return None
                continue
            if a.name != b.name or a.digest != b.digest or a.unindexed != b.unindexed:
                return None
            if a.segment == b.segment:
                if a.segment in gone:
                    return None
                continue
            if a.segment is None or b.segment is None or a.segment not in gone or b.segment not in fresh:
                return None
            moved.setdefault(b.segment, []).append((a.name, a.segment))
            rank_of[(b.segment, b.name)] = rank
    appended_files = commit.files[k:]
    if any(e.segment is not None and (e.segment not in fresh or e.segment in moved) for e in appended_files):
        return None
    if any(name not in moved and not any(e.segment == name for e in appended_files) for name in fresh):
        return None  # a new segment that no file maps to
    old_segments = {name: previous.segments[j] for name, j in old_index.items()}
    canon: dict[str, dict[str, np.ndarray]] = {name: {} for name in FIELDS}
    # merged segments: each file's canonical ids are where the segment it was in had them
    merged_blocks: list[tuple[int, RecordTable, int, int, bool, np.ndarray | None]] = []
    for name, files in moved.items():
        state = live_segments[name]
        segment = state.segment
        if [f.name for f in segment.files] != [f for f, _ in files]:
            return None
        art_parts, chunk_parts = [], []
        first, count = segment.record_arrays()
        for sf, (_, old_name) in zip(segment.files, files, strict=True):
            old = old_segments[old_name]
            osf = old.file_named(sf.name)
            if osf is None or osf.hi - osf.lo != sf.hi - sf.lo:
                return None
            j = old_index[old_name]
            art_parts.append(previous.headlines._segments[j].canon[osf.lo : osf.hi])
            c0, c1 = _chunk_range(first, count, sf.lo, sf.hi)
            o_first, o_count = old.record_arrays()
            o0, o1 = _chunk_range(o_first, o_count, osf.lo, osf.hi)
            if c1 - c0 != o1 - o0:
                return None
            chunk_parts.append(previous.sentences._segments[j].canon[o0:o1])
        canon_art = np.concatenate(art_parts) if art_parts else np.zeros(0, dtype=np.int32)
        canon_chunk = np.concatenate(chunk_parts) if chunk_parts else np.zeros(0, dtype=np.int32)
        mask = canon_art >= 0
        if canon_art.shape[0] != segment.n_articles or canon_chunk.shape[0] != segment.n_chunks:
            return None
        if not np.array_equal(mask, np.ones_like(mask) if state.live is None else state.live):
            return None
        if not np.array_equal(canon_chunk >= 0, chunk_live(segment, mask)):
            return None
        canon["articles"][name], canon["sentences"][name] = canon_art, canon_chunk
        for sf in segment.files:
            live = np.flatnonzero(mask[sf.lo : sf.hi])
            if live.size:
                start = int(canon_art[sf.lo + live[0]])
                whole = live.size == sf.hi - sf.lo
                lend = whole and int(first[sf.lo]) == int(previous.article_first[start])
                merged_blocks.append((start, segment.records, sf.lo, int(live.size), lend,
                                      None if whole else sf.lo + live))
    # appended segments: numbered after every article and sentence there was
    appended = [name for name in names if name in fresh and name not in moved]
    index_of = {name: i for i, name in enumerate(appended)}
    segs = [live_segments[name] for name in appended]
    plan = _Placement(segs)
    next_art, next_chunk = len(previous.article_first), previous.n_chunks
    new_blocks: list[tuple[int, RecordTable, int, int, bool, np.ndarray | None]] = []
    for rank, entry in enumerate(appended_files, start=k):
        if entry.segment is None:
            continue
        next_art, next_chunk = plan.place(index_of[entry.segment], entry.name, rank, next_art, next_chunk, new_blocks)
    n_old_art, n_old_chunk = len(previous.article_first), previous.n_chunks
    if next_art > n_old_art:
        article_first = np.empty(next_art, dtype=np.int64)
        chunk_article = np.empty(next_chunk, dtype=np.int32)
        quotable = np.empty(next_chunk, dtype=bool)
        article_first[:n_old_art] = previous.article_first
        chunk_article[:n_old_chunk] = previous.chunk_article
        quotable[:n_old_chunk] = previous.quotable
    else:
        article_first, chunk_article, quotable = previous.article_first, previous.chunk_article, previous.quotable
    for i, s in enumerate(segs):
        canon_art, canon_chunk = plan.number(i, s, article_first, chunk_article, quotable)
        canon["articles"][s.segment.name], canon["sentences"][s.segment.name] = canon_art, canon_chunk
    for name, state in live_segments.items():
        if name in fresh and (int((canon["articles"][name] >= 0).sum()) != state.stats["articles"].n_docs
                              or int((canon["sentences"][name] >= 0).sum()) != state.stats["sentences"].n_docs):
            raise IndexFileError(f"deletions of {name} do not match the commit's files")
    # the scorers: kept segments as they were, the others' first-occurrence keys by their files' ranks
    for rank, entry in enumerate(appended_files, start=k):
        if entry.segment is not None:
            rank_of[(entry.segment, entry.name)] = rank
    scorers = {}
    scored: dict[str, dict[str, ScoredSegment]] = {}
    reuse = [old_index.get(name) for name in names]
    for field_name in FIELDS:
        scored[field_name] = {}
        for name in names:
            if name in fresh:
                state = live_segments[name]
                ranks = np.asarray([rank_of.get((name, f.name), -1) for f in state.segment.files], dtype=np.int64)
                scored[field_name][name] = _scored(state, field_name, canon[field_name][name], ranks)
            else:
                scored[field_name][name] = basis.scored[field_name][name]
        scorers[field_name] = BM25Scorer.derived(getattr(previous, "sentences" if field_name == "sentences"
                                                         else "headlines"),
                                                 list(scored[field_name].values()), lexicon, reuse)
    if appended:
        found, touched = _count_acronyms(basis.found, [(s.segment, canon["articles"][s.segment.name]) for s in segs])
        acronyms, resolved = _resolve(found, basis.resolved, touched)
    else:
        found, resolved, acronyms = basis.found, basis.resolved, previous.acronyms
    gone_records = {id(old_segments[name].records) for name in gone}
    if not isinstance(previous.articles, ArticleList):
        return None
    if gone_records or merged_blocks:
        blocks = [b for b in previous.articles._blocks if id(b[1]) not in gone_records]
        blocks = sorted(blocks + merged_blocks, key=lambda b: b[0])
        articles = ArticleList(blocks + new_blocks, article_first)
    else:  # an add: the blocks before stay as they are
        articles = previous.articles.extended(new_blocks, article_first)
    new_basis = Basis(commit, {name: live_segments[name] for name in names}, scored, found, resolved)
    # what the files before say they skipped is the previous snapshot's, less its duplicates
    skipped = warnings = None
    if not moved:
        n_dup = len(before.duplicates)
        skipped = previous.skipped[: len(previous.skipped) - n_dup] + [
            item for entry in appended_files for item in entry.skipped] + list(commit.duplicates)
        warnings = previous.warnings + [item for entry in appended_files for item in entry.warnings]
    return _data(commit, new_basis, articles, article_first, chunk_article, quotable,
                 scorers, acronyms, lexicon, [live_segments[name].segment for name in names],
                 skipped=skipped, warnings=warnings)


def _chunk_range(first: np.ndarray, count: np.ndarray, lo: int, hi: int) -> tuple[int, int]:
    """The local sentences of local articles [lo, hi)."""
    if hi <= lo:
        return 0, 0
    return int(first[lo]), int(first[hi - 1] + count[hi - 1])
