"""A snapshot: a commit's segments seen as one index, exactly as a full build of the corpus would be.

The canonical order is a full build's: corpus files by name, articles in file order, sentences in
article order, deleted ones left out. Each live article and sentence gets its canonical id; each
segment's documents map to them (``canon``, -1 when deleted), which is how the query kernels skip
deletions and break ties as a full build would. Each term's first live occurrence in a segment
becomes a key comparable across segments (the file's canonical rank, then the offset), so the
scorer can sum rank-bm25's average idf in the corpus's order of first appearance.

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

    manifest: dict[str, Any]  # the commit this snapshot is
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
        candidates are spread over every segment, and per-segment array passes cost more than that."""
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


def make_snapshot(commit: Commit, live_segments: dict[str, LiveSegment], lexicon: Lexicon) -> IndexData:
    """The IndexData of a commit whose segments (with their deletions) are loaded.

    Per file (canonical order) only integers are worked out (where its live articles and sentences
    start); the arrays are made per segment, so a corpus of a thousand small files costs a thousand
    small steps, not a thousand rounds of numpy calls."""
    order = [entry.name for entry in commit.segments]
    index_of = {name: i for i, name in enumerate(order)}
    segs = [live_segments[name] for name in order]
    file_pos = [{f.name: j for j, f in enumerate(s.segment.files)} for s in segs]
    rank_of_file = [np.full(len(s.segment.files), -1, dtype=np.int64) for s in segs]
    # per segment: prefix counts of live articles and of their sentences, in local order
    live_masks, art_cum, chunk_cum = [], [], []
    for s in segs:
        first, count = s.segment.record_arrays()
        mask = np.ones(first.shape[0], dtype=bool) if s.live is None else np.asarray(s.live, dtype=bool)
        live_masks.append(mask)
        art_cum.append(np.concatenate(([0], np.cumsum(mask, dtype=np.int64))).tolist())
        chunk_cum.append(np.concatenate(([0], np.cumsum(np.where(mask, count, 0), dtype=np.int64))).tolist())
    art_start = [np.zeros(len(s.segment.files), dtype=np.int64) for s in segs]  # canonical start per file
    chunk_start = [np.zeros(len(s.segment.files), dtype=np.int64) for s in segs]
    blocks: list[tuple[int, RecordTable, int, int, bool, np.ndarray | None]] = []
    next_art = next_chunk = 0
    for rank, entry in enumerate(commit.files):
        if entry.segment is None:
            continue
        i = index_of.get(entry.segment)
        if i is None:
            raise IndexFileError(f"commit names a segment it does not list: {entry.segment}")
        j = file_pos[i].get(entry.name)
        if j is None:
            raise IndexFileError(f"segment {order[i]} does not hold {entry.name}")
        sf = segs[i].segment.files[j]
        rank_of_file[i][j] = rank
        art_start[i][j], chunk_start[i][j] = next_art, next_chunk
        n_art = art_cum[i][sf.hi] - art_cum[i][sf.lo]
        n_chunk = chunk_cum[i][sf.hi] - chunk_cum[i][sf.lo]
        if n_art:
            whole = n_art == sf.hi - sf.lo
            local = None if whole else sf.lo + np.flatnonzero(live_masks[i][sf.lo : sf.hi])
            lend = whole and int(segs[i].segment.records.first_chunks[sf.lo]) == next_chunk
            blocks.append((next_art, segs[i].segment.records, sf.lo, n_art, lend, local))
        next_art += n_art
        next_chunk += n_chunk
    if not next_art:
        reasons = "; ".join(f"{name}: {why}" for entry in commit.files for name, why in entry.skipped[:3])[:300]
        where = commit.corpus or "the corpus"
        raise CorpusError(f"no readable article in {where}" + (f" ({reasons})" if reasons else ""))
    canon = {name: [np.full(s.segment.fields[name].n_docs, -1, dtype=np.int32) for s in segs] for name in FIELDS}
    article_first = np.empty(next_art, dtype=np.int64)
    chunk_article = np.empty(next_chunk, dtype=np.int32)
    quotable = np.empty(next_chunk, dtype=bool)
    for i, s in enumerate(segs):
        arts = np.flatnonzero(live_masks[i])
        if arts.size == 0:
            continue
        files = s.segment.files
        file_lo = np.asarray([f.lo for f in files], dtype=np.int64)
        owner = np.searchsorted(file_lo, arts, side="right") - 1  # each live article's file
        if np.any(rank_of_file[i][owner] < 0):
            raise IndexFileError(f"deletions of {s.segment.name} do not match the commit's files")
        a_cum = np.asarray(art_cum[i], dtype=np.int64)
        c_cum = np.asarray(chunk_cum[i], dtype=np.int64)
        canon_art = art_start[i][owner] + (a_cum[arts] - a_cum[file_lo[owner]])
        first, count = s.segment.record_arrays()
        counts = count[arts]
        canon_first = chunk_start[i][owner] + (c_cum[arts] - c_cum[file_lo[owner]])
        chunks = ranges(first[arts], counts)
        canon_chunks = ranges(canon_first, counts)
        canon["articles"][i][arts] = canon_art
        canon["sentences"][i][chunks] = canon_chunks
        article_first[canon_art] = canon_first
        chunk_article[canon_chunks] = np.repeat(canon_art, counts)
        quotable[canon_chunks] = s.segment.arrays["quotable"][chunks]
    for name in FIELDS:  # every document the deletions leave live has a canonical id, and no other
        for i, seg in enumerate(segs):
            if int((canon[name][i] >= 0).sum()) != seg.stats[name].n_docs:
                raise IndexFileError(f"deletions of {seg.segment.name} do not match the commit's files")
    acronyms: dict[str, dict[str, int]] = {}
    # acronym definitions of the live articles, counted in canonical order as a full build counts them
    defined: list[tuple[int, str, str, int]] = []
    for i, seg in enumerate(segs):
        canon_art = canon["articles"][i]
        defined += [(int(canon_art[a]), short, phrase, times) for a, short, phrase, times in seg.segment.acronyms
                    if canon_art[a] >= 0]
    defined.sort(key=lambda item: item[0])  # stable: an article's own order is kept
    for _, short, phrase, times in defined:
        bucket = acronyms.setdefault(short, {})
        bucket[phrase] = bucket.get(phrase, 0) + times
    scorers = {}
    for name in FIELDS:
        scored = []
        for i, s in enumerate(segs):
            stats = s.stats[name]
            starts = s.segment.file_token_starts(name)
            owner = np.maximum(np.searchsorted(starts, stats.first, side="right") - 1, 0)
            key = np.where(stats.first >= 0, (rank_of_file[i][owner] << _RANK_SHIFT) | stats.first, -1)
            scored.append(ScoredSegment(s.segment.fields[name], stats, canon[name][i], key))
        scorers[name] = BM25Scorer(scored, lexicon, **BM25_PARAMS)
    skipped = [item for entry in commit.files for item in entry.skipped] + list(commit.duplicates)
    warnings = [item for entry in commit.files for item in entry.warnings]
    return IndexData(
        manifest=commit.to_json(),
        identity=commit.content_id,
        articles=ArticleList(blocks, article_first),
        article_first=article_first,
        chunk_article=chunk_article,
        quotable=quotable,
        sentences=scorers["sentences"],
        headlines=scorers["articles"],
        acronyms=resolve_acronyms(acronyms),
        lexicon=lexicon,
        segments=[s.segment for s in segs],
        skipped=skipped,
        warnings=warnings,
    )


def _moved(record: ArticleRecord, first_chunk: int) -> ArticleRecord:
    """The record with another first sentence number (the frozen dataclass's __init__ bypassed)."""
    moved = object.__new__(ArticleRecord)
    moved.__dict__.update(record.__dict__)
    moved.__dict__["first_chunk"] = first_chunk
    return moved
