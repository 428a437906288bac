"""BM25: rank-bm25's BM25Okapi scores, exactly, from a precomputed posting matrix (see _scorer)."""

from ._kernels import warm_up
from ._scorer import BM25Scorer

__all__ = ["BM25Scorer", "warm_up"]
