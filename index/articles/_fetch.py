"""The one way newsbot fetches from the web: http(s) only, public addresses only, bounded in size and time.

Every hop of a redirect chain is checked again: the host is resolved, every address it resolves to must
be public (private, loopback, link-local, multicast and other non-global addresses are refused unless
the policy allows private addresses), and the request then goes to the checked address itself (pinned:
a second DNS answer cannot swap in another one; TLS still verifies the host name). Bodies are streamed
and decompressed here, so the size cap counts decompressed bytes and a gzip bomb stops at the cap.
Requests to one host are spaced by a delay. Nothing fetched is ever executed: callers get bytes."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from urllib.parse import urljoin

import httpx

from .._errors import FetchError, FetchRefusedError


def _version() -> str:
    try:
        return metadata.version("newsbot")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "dev"


USER_AGENT = f"newsbot/{_version()} (news question answering; feed reader)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch; the defaults suit news pages and feeds."""

    allow_private: bool = False  # NEWSBOT_FETCH_ALLOW_PRIVATE: private, loopback, link-local … allowed
    max_bytes: int = 5 * 1024 * 1024  # after decompression
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # the longest wait for the next bytes
    total_timeout: float = 60.0  # one fetch, redirects included (the per-host delay excluded)
    host_delay: float = 1.0  # seconds between two requests to the same host
    max_redirects: int = 5


@dataclass(frozen=True)
class FetchResult:
    """A fetched body (status 2xx) or a conditional GET's "not modified" (status 304, no body)."""

    url: str  # the final URL, after redirects
    status: int
    content: bytes
    content_type: str  # media type, lower case, without parameters ("" when not given)
    charset: str | None
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def public_address(address: IPAddress) -> bool:
    """A globally routable unicast address (not private, loopback, link-local, multicast, reserved…)."""
    return address.is_global and not address.is_multicast


def check_url(url: str) -> httpx.URL:
    """The URL parsed, when it is http(s) with a host; FetchRefusedError otherwise."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise FetchRefusedError(f"not a valid URL: {url[:200]!r} ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchRefusedError(f"only http and https URLs are fetched, not {parsed.scheme or 'no scheme'}: "
                                f"{url[:200]}")
    if not parsed.host:
        raise FetchRefusedError(f"URL without a host: {url[:200]}")
    return parsed


def _getaddrinfo(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _HostPacer:
    """Spaces requests to the same host by `delay` seconds, across threads."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> float:
        """Sleep until this host may be asked again; returns the seconds slept."""
        if self.delay <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + self.delay
        pause = at - now
        if pause > 0:
            time.sleep(pause)
        return pause


class _Inflater:
    """Decompresses a Content-Encoding (identity, gzip, deflate) without ever producing more than asked."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self._wbits: int | None
        if encoding in ("", "identity"):
            self._wbits = None
        elif encoding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS  # zlib-wrapped; raw deflate is tried when that fails
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")
        self._raw_tried = False
        self._z = zlib.decompressobj(self._wbits) if self._wbits is not None else None

    @property
    def identity(self) -> bool:
        return self._z is None

    def feed(self, data: bytes, room: int) -> bytes:
        """Up to `room` decompressed bytes of data (more are left unread: the caller stops anyway)."""
        if self._z is None:
            return data[:room]
        out = bytearray()
        pending = data
        while pending and len(out) < room:
            try:
                piece = self._z.decompress(pending, room - len(out))
            except zlib.error:
                if self._wbits == zlib.MAX_WBITS and not self._raw_tried and not out:
                    self._raw_tried = True  # "deflate" sent as raw deflate, as some servers do
                    self._wbits = -zlib.MAX_WBITS
                    self._z = zlib.decompressobj(self._wbits)
                    continue
                raise FetchError("the compressed body is corrupt") from None
            out += piece
            if self._z.eof:  # gzip allows several members back to back
                pending = self._z.unused_data
                self._z = zlib.decompressobj(self._wbits or zlib.MAX_WBITS)
            else:
                pending = self._z.unconsumed_tail
        return bytes(out)


class Fetcher:
    """Fetches URLs under a FetchPolicy; thread-safe (one instance serves a whole poll)."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolve: Resolver | None = None,
        address_allowed: Callable[[IPAddress], bool] | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        """resolve, address_allowed and verify (certificate authorities) are for tests; the policy
        says everything else."""
        self.policy = policy or FetchPolicy()
        self._resolve = resolve or _getaddrinfo
        allow_private = self.policy.allow_private
        self._allowed = address_allowed or (lambda address: allow_private or public_address(address))
        self._pacer = _HostPacer(self.policy.host_delay)
        timeout = httpx.Timeout(connect=self.policy.connect_timeout, read=self.policy.read_timeout,
                                write=self.policy.read_timeout, pool=self.policy.total_timeout)
        # No keep-alive: a pooled connection is keyed by address, and two host names on one address
        # must not share a TLS connection made for the other. No proxy from the environment either.
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=verify,
                                    limits=httpx.Limits(max_keepalive_connections=0))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            accept: str = "*/*") -> FetchResult:
        """GET url, following up to max_redirects redirects (each hop checked again). With etag or
        last_modified the request is conditional and a 304 comes back as `not_modified`. Raises
        FetchRefusedError for a URL or address that is not allowed, FetchError for everything else."""
        policy = self.policy
        deadline = time.monotonic() + policy.total_timeout
        current = url
        for _hop in range(policy.max_redirects + 1):
            target = check_url(current)
            addresses = self._addresses(target)
            deadline += self._pacer.wait(target.host)
            headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate",
                       "Host": target.netloc.decode("ascii")}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            with self._stream(target, addresses, headers) as response:
                status = response.status_code
                if status in REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {status} without a Location from {current}")
                    current = urljoin(current, location.strip())
                    continue
                if status == 304 and (etag or last_modified):
                    return self._result(current, response, b"")
                if not 200 <= status < 300:
                    raise FetchError(f"HTTP {status} from {current}")
                return self._result(current, response, self._body(response, deadline, current))
        raise FetchError(f"more than {policy.max_redirects} redirects from {url}")

    def _addresses(self, target: httpx.URL) -> list[IPAddress]:
        """Every address the host resolves to, each one allowed; FetchRefusedError names the first that
        is not (an IP literal is its own address)."""
        host, port = target.host, target.port or (443 if target.scheme == "https" else 80)
        try:
            resolved = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                resolved = [ipaddress.ip_address(a.split("%", 1)[0]) for a in self._resolve(host, port)]
            except (OSError, UnicodeError) as exc:
                raise FetchError(f"cannot resolve {host}: {exc}") from None
        if not resolved:
            raise FetchError(f"cannot resolve {host}: no address")
        for address in resolved:
            if not self._allowed(address):
                raise FetchRefusedError(
                    f"refused {host}: {address} is not a public address "
                    "(set NEWSBOT_FETCH_ALLOW_PRIVATE=1 to allow private and loopback addresses)")
        return resolved

    def _stream(self, target: httpx.URL, addresses: list[IPAddress],
                headers: dict[str, str]) -> _Streamed:
        return _Streamed(self._client, target, addresses, headers)

    def _body(self, response: httpx.Response, deadline: float, url: str) -> bytes:
        limit = self.policy.max_bytes
        inflater = _Inflater(response.headers.get("content-encoding", ""))
        declared = response.headers.get("content-length", "")
        if inflater.identity and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"{url} is larger than {limit:,} bytes")
        body = bytearray()
        try:
            for raw in response.iter_raw():  # as the bytes arrive (a chunk_size would buffer)
                if time.monotonic() > deadline:
                    raise FetchError(f"{url} took longer than {self.policy.total_timeout:g} s")
                body += inflater.feed(raw, limit + 1 - len(body))
                if len(body) > limit:
                    raise FetchError(f"{url} is larger than {limit:,} bytes (after decompression)")
        except httpx.TimeoutException:
            raise FetchError(f"{url}: no data for {self.policy.read_timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
        return bytes(body)

    @staticmethod
    def _result(url: str, response: httpx.Response, content: bytes) -> FetchResult:
        media, _, params = response.headers.get("content-type", "").partition(";")
        charset = None
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip().strip("\"'")
        return FetchResult(url=url, status=response.status_code, content=content,
                           content_type=media.strip().lower(), charset=charset,
                           etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"))


class _Streamed:
    """The response of the first address of the list that accepts a connection (a context manager)."""

    def __init__(self, client: httpx.Client, target: httpx.URL, addresses: list[IPAddress],
                 headers: dict[str, str]) -> None:
        self._client, self._target, self._addresses, self._headers = client, target, addresses, headers
        self._response: httpx.Response | None = None

    def __enter__(self) -> httpx.Response:
        target = self._target
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        url = str(target)
        for i, address in enumerate(self._addresses):
            request = self._client.build_request("GET", target.copy_with(host=str(address)),
                                                 headers=self._headers, extensions=extensions)
            try:
                self._response = self._client.send(request, stream=True)
                return self._response
            except httpx.ConnectError as exc:
                if i == len(self._addresses) - 1:
                    raise FetchError(f"cannot connect to {target.host}: {exc}") from None
            except httpx.TimeoutException:
                if i == len(self._addresses) - 1:
                    raise FetchError(f"{url}: timed out") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
        raise FetchError(f"cannot connect to {target.host}")  # no address: _addresses never allows that

    def __exit__(self, *exc: object) -> None:
        if self._response is not None:
            self._response.close()

