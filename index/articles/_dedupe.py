"""When two articles are the same: the same URL (once normalised), or near-identical text by a 64-bit
simhash of the text's word 3-shingles (Charikar 2002; Manku et al. 2007 use it for web pages): texts
that differ only in a few sentences, in layout or in page furniture land a few bits apart, different
stories about half of the 64 bits apart."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from ..text import fold

NEAR_DUPLICATE_BITS = 6
"""Simhashes at most this many bits apart are the same article. Measured on the NewsQA sample (781 CNN
stories, benchmarks/LIVE.md), over the story without its headline: each story as a .txt and as an HTML
page with furniture, extracted again: 0 bits apart; the sample's own duplicates (24 stories that
appear twice, detokenized a little differently): 0 bits; the closest two different stories: 13 bits."""

_WORD = re.compile(r"\w+")
_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|ref|smid)$", re.IGNORECASE)
_BITS = np.uint64(1) << np.arange(64, dtype=np.uint64)


def normalize_url(url: str) -> str:
    """A URL as a key: scheme and host lower case, default port, fragment and tracking parameters
    (utm_*, fbclid, …) dropped; the path and the other parameters kept as they are."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port and parts.port != {"http": 80, "https": 443}.get(parts.scheme.lower()) else None
    netloc = f"[{host}]" if ":" in host else host
    if port:
        netloc += f":{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


def simhash(text: str) -> int:
    """The text's 64-bit simhash (as a signed integer, for SQLite) over its folded word 3-shingles."""
    words = _WORD.findall(fold(text))
    shingles = {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}
    if not words:
        return 0
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little") for s in shingles),
        dtype=np.uint64, count=len(shingles),
    )
    ones = ((hashes[:, None] & _BITS) != 0).sum(axis=0)
    value = int((_BITS[ones * 2 > len(hashes)]).sum(dtype=np.uint64))
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(hashes: np.ndarray, value: int) -> np.ndarray:
    """Bits by which each of hashes (int64) differs from value."""
    return np.bitwise_count(hashes.view(np.uint64) ^ np.uint64(value & 0xFFFFFFFFFFFFFFFF))
