"""BM25: rank-bm25's BM25Okapi scores, exactly, over segments that store raw term frequencies.

A term table shared by all segments (_lexicon), one segment's postings per field (_postings), the
corpus-wide statistics and the multi-segment scorer (_scorer), and the query kernels (_kernels)."""

from ._kernels import numba_kernels, warm_up
from ._lexicon import Lexicon
from ._postings import FieldPostings, LiveStats
from ._scorer import AllowedMask, BM25Scorer, ScoredSegment, check_params

__all__ = [
    "AllowedMask", "BM25Scorer", "FieldPostings", "Lexicon", "LiveStats", "ScoredSegment", "check_params",
    "numba_kernels", "warm_up",
]
