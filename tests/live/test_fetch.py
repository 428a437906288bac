"""The safe fetcher against a local site: addresses, redirects, size cap, timeouts, conditional GET."""

from __future__ import annotations

import gzip
import ipaddress

import pytest

from index import USER_AGENT, Fetcher, FetchError, FetchPolicy, FetchRefusedError, public_address
from index.articles._fetch import _HostPacer, _Inflater
from tests.newsweb import NewsWeb


def test_fetches_a_page_with_the_newsbot_user_agent(web: NewsWeb, fetcher: Fetcher) -> None:
    url = web.page("/a.html", "<p>hello</p>")
    result = fetcher.get(url)
    assert (result.status, result.content, result.content_type, result.charset) == (200, b"<p>hello</p>", "text/html", "utf-8")
    assert result.url == url
    headers = web.requests[-1][1]
    assert headers["User-Agent"] == USER_AGENT and USER_AGENT.startswith("newsbot/")
    assert headers["Host"] == f"127.0.0.1:{web.port}"


@pytest.mark.parametrize("status", [404, 500, 503])
def test_an_error_status_is_a_fetch_error_naming_it(web: NewsWeb, fetcher: Fetcher, status: int) -> None:
    url = web.page("/broken", "oops", status=status)
    with pytest.raises(FetchError, match=f"HTTP {status}"):
        fetcher.get(url)


def test_a_missing_page_is_404(web: NewsWeb, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.get(web.url("/nowhere"))


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "javascript:alert(1)",
                                 "example.com/no-scheme", "http:///no-host", "data:text/html,hi"])
def test_only_http_and_https_urls(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchRefusedError):
        fetcher.get(url)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1",
                                     "::ffff:127.0.0.1"])
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not public_address(ipaddress.ip_address(address))


def test_public_addresses_pass() -> None:
    assert public_address(ipaddress.ip_address("93.184.216.34"))
    assert public_address(ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946"))


def test_loopback_refused_by_default_before_any_request(web: NewsWeb) -> None:
    url = web.page("/a.html", "x")
    with Fetcher(FetchPolicy(host_delay=0)) as strict, pytest.raises(FetchRefusedError, match="not a public address"):
        strict.get(url)
    assert web.requests == []


def test_every_resolved_address_is_checked() -> None:
    """A host with one public and one private address is refused: the connection could go to either."""
    fetcher = Fetcher(FetchPolicy(host_delay=0), resolve=lambda host, port: ["93.184.216.34", "10.0.0.7"])
    with fetcher, pytest.raises(FetchRefusedError, match="10.0.0.7"):
        fetcher.get("http://news.example/feed")


def test_a_name_resolving_to_loopback_is_refused() -> None:
    fetcher = Fetcher(FetchPolicy(host_delay=0), resolve=lambda host, port: ["127.0.0.1"])
    with fetcher, pytest.raises(FetchRefusedError):
        fetcher.get("https://innocent.example/")


def _only_this_loopback(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return public_address(address) or str(address) == "127.0.0.1"


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin",
                                    "http://[::1]:9/", "http://private.example/"])
def test_a_redirect_to_a_private_address_is_refused(web: NewsWeb, target: str) -> None:
    """The first hop is allowed (the test site); the redirect's target is checked again and refused
    before any connection is made to it."""
    url = web.redirect("/moved", target)
    fetcher = Fetcher(FetchPolicy(host_delay=0), address_allowed=_only_this_loopback,
                      resolve=lambda host, port: ["192.168.0.10"])
    with fetcher, pytest.raises(FetchRefusedError, match="not a public address"):
        fetcher.get(url)
    assert web.hits("/moved") == 1


def test_redirects_are_followed_and_the_final_url_kept(web: NewsWeb, fetcher: Fetcher) -> None:
    web.page("/story.html", "<p>story</p>")
    web.redirect("/short", "/story.html", status=301)
    web.redirect("/tracking?id=1", web.url("/short"), status=307)
    result = fetcher.get(web.url("/tracking?id=1"))
    assert (result.content, result.url) == (b"<p>story</p>", web.url("/story.html"))


def test_a_redirect_loop_stops(web: NewsWeb, fetcher: Fetcher) -> None:
    web.redirect("/a", "/b")
    web.redirect("/b", "/a")
    with pytest.raises(FetchError, match="redirects"):
        fetcher.get(web.url("/a"))


def test_a_redirect_to_another_scheme_is_refused(web: NewsWeb, fetcher: Fetcher) -> None:
    url = web.redirect("/r", "file:///etc/passwd")
    with pytest.raises(FetchRefusedError, match="only http and https"):
        fetcher.get(url)


def test_gzip_is_decoded(web: NewsWeb, fetcher: Fetcher) -> None:
    url = web.page("/z.html", gzip.compress(b"<p>compressed story</p>"), headers={"Content-Encoding": "gzip"})
    assert fetcher.get(url).content == b"<p>compressed story</p>"


def test_a_gzip_bomb_stops_at_the_cap(web: NewsWeb) -> None:
    url = web.gzip_bomb("/bomb.html", megabytes=64)
    with Fetcher(FetchPolicy(allow_private=True, host_delay=0, max_bytes=1_000_000)) as f, \
            pytest.raises(FetchError, match="larger than 1,000,000 bytes"):
        f.get(url)


def test_the_inflater_never_produces_more_than_asked() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    inflater = _Inflater("gzip")
    assert len(inflater.feed(bomb, 1000)) == 1000


def test_a_declared_length_over_the_cap_stops_before_reading(web: NewsWeb) -> None:
    url = web.page("/big.html", b"x" * 5000)
    with Fetcher(FetchPolicy(allow_private=True, host_delay=0, max_bytes=4000)) as f, \
            pytest.raises(FetchError, match="larger than 4,000 bytes"):
        f.get(url)


def test_an_unknown_content_encoding_is_an_error(web: NewsWeb, fetcher: Fetcher) -> None:
    url = web.page("/br", b"\x1b\x00", headers={"Content-Encoding": "br"})
    with pytest.raises(FetchError, match="Content-Encoding"):
        fetcher.get(url)


def test_a_corrupt_gzip_body_is_an_error(web: NewsWeb, fetcher: Fetcher) -> None:
    url = web.page("/bad.gz", b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="corrupt"):
        fetcher.get(url)


def test_a_server_that_does_not_answer_times_out(web: NewsWeb) -> None:
    url = web.page("/slow", "late", delay=1.5)
    with Fetcher(FetchPolicy(allow_private=True, host_delay=0, read_timeout=0.3)) as f, pytest.raises(FetchError):
        f.get(url)


def test_a_trickling_body_hits_the_total_timeout(web: NewsWeb) -> None:
    url = web.page("/trickle", b"x" * 200, trickle=0.05)
    with Fetcher(FetchPolicy(allow_private=True, host_delay=0, read_timeout=5, total_timeout=0.5)) as f, \
            pytest.raises(FetchError, match="took longer"):
        f.get(url)


def test_conditional_get_with_etag_and_last_modified(web: NewsWeb, fetcher: Fetcher) -> None:
    url = web.page("/feed.xml", "<rss/>", etag='"v1"', last_modified="Mon, 14 Dec 2015 10:00:00 GMT")
    first = fetcher.get(url)
    assert (first.status, first.etag, first.last_modified) == (200, '"v1"', "Mon, 14 Dec 2015 10:00:00 GMT")
    again = fetcher.get(url, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.content == b""
    assert web.requests[-1][1]["If-None-Match"] == '"v1"'


def test_requests_to_one_host_are_spaced() -> None:
    pacer = _HostPacer(0.2)
    assert pacer.wait("a.example") == 0
    assert pacer.wait("b.example") == 0  # another host: no wait
    assert 0.1 < pacer.wait("a.example") <= 0.2


def test_https_goes_to_the_checked_address_and_still_verifies_the_host_name(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The request is pinned to the address that was checked (no second DNS look-up), and TLS still
    checks the certificate against the host name of the URL."""
    import http.server
    import shutil
    import ssl
    import subprocess
    import threading

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=news.test", "-addext", "subjectAltName=DNS:news.test"],
                   check=True, capture_output=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.headers["Host"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        looked_up: list[str] = []

        def resolve(host: str, _port: int) -> list[str]:
            looked_up.append(host)
            return ["127.0.0.1"]

        with Fetcher(FetchPolicy(allow_private=True, host_delay=0), resolve=resolve, verify=trust) as f:
            assert f.get(f"https://news.test:{port}/").content == f"news.test:{port}".encode()
            assert looked_up == ["news.test"]
        with Fetcher(FetchPolicy(allow_private=True, host_delay=0), resolve=lambda h, p: ["127.0.0.1"],
                     verify=trust) as f, pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"):
            f.get(f"https://other.test:{port}/")
    finally:
        server.shutdown()
        server.server_close()
