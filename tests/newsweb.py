"""A small news web site on 127.0.0.1 for the live-news tests and benchmarks: feeds and article pages,
broken ones included (500s, truncated XML, slow answers, a gzip bomb, redirects anywhere).

    with NewsWeb() as web:
        web.page("/a.html", article_html("Title", ["First paragraph …"]))
        web.page("/feed.xml", rss([item("/a.html", "Title")], base=web.url("")), content_type=RSS)
        web.url("/feed.xml")  # http://127.0.0.1:PORT/feed.xml

Responses honour If-None-Match / If-Modified-Since when the page was given an etag / last_modified;
`web.requests` lists (path, headers) of every request, in order. It never reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import gzip
import html
import os
import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

RSS = "application/rss+xml"
ATOM = "application/atom+xml"
HTML = "text/html; charset=utf-8"


@dataclass
class Page:
    body: bytes
    status: int = 200
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer starts
    trickle: float = 0.0  # seconds between 1-byte writes of the body (a slow body)
    etag: str | None = None
    last_modified: str | None = None


class NewsWeb:
    """The site: an aiohttp server on its own event loop in a background thread."""

    def __init__(self) -> None:
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="newsweb", daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- content -------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self, path: str, body: str | bytes, **kwargs: Any) -> str:
        """Serve body at path; returns the page's URL."""
        self.pages[path] = Page(body.encode("utf-8") if isinstance(body, str) else body, **kwargs)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.page(path, b"", status=status, headers={"Location": location})

    def gzip_bomb(self, path: str, megabytes: int = 64) -> str:
        """A small gzip body that inflates to `megabytes` MB of spaces (served as Content-Encoding: gzip)."""
        body = gzip.compress(b" " * (megabytes * 1024 * 1024), compresslevel=9)
        return self.page(path, body, headers={"Content-Encoding": "gzip"})

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    # -- server --------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path_qs
        self.requests.append((path, dict(request.headers)))
        page = self.pages.get(path) or self.pages.get(request.path)
        if page is None:
            return web.Response(status=404, text="not found")
        if page.delay:
            await asyncio.sleep(page.delay)
        headers = dict(page.headers)
        if page.etag:
            headers["ETag"] = page.etag
        if page.last_modified:
            headers["Last-Modified"] = page.last_modified
        if (page.etag and request.headers.get("If-None-Match") == page.etag) or (
            page.last_modified and request.headers.get("If-Modified-Since") == page.last_modified
        ):
            return web.Response(status=304, headers=headers)
        if page.trickle:
            response = web.StreamResponse(status=page.status, headers={**headers, "Content-Type": page.content_type})
            await response.prepare(request)
            for i in range(len(page.body)):
                await response.write(page.body[i : i + 1])
                await asyncio.sleep(page.trickle)
            return response
        return web.Response(status=page.status, body=page.body, headers={**headers, "Content-Type": page.content_type})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def start(self) -> NewsWeb:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> NewsWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def session_processes(sid: int) -> list[int]:
    """The live processes of a session (Linux /proc): what a killed command whose session this was
    left behind (start it with start_new_session=True; its pid is the session id)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found


# -- documents ---------------------------------------------------------------------------------
def article_html(title: str, paragraphs: list[str], *, site: str = "Example News", author: str | None = None,
                 published: str | None = None, canonical: str | None = None, furniture: bool = True) -> str:
    """An article page; with furniture: navigation, a cookie banner, related links, an advertisement
    and a footer around the story, the way news sites wrap theirs."""
    esc = html.escape
    meta = [f'<meta property="og:site_name" content="{esc(site)}">', f'<meta property="og:title" content="{esc(title)}">']
    if author:
        meta.append(f'<meta name="author" content="{esc(author)}">')
    if published:
        meta.append(f'<meta property="article:published_time" content="{esc(published)}">')
    if canonical:
        meta.append(f'<link rel="canonical" href="{esc(canonical)}">')
    story = "".join(f"<p>{esc(p)}</p>\n" for p in paragraphs)
    byline = f'<p class="byline">By {esc(author)}</p>' if author else ""
    article = f"<article><h1>{esc(title)}</h1>{byline}\n{story}</article>"
    if furniture:
        nav = "<nav><ul>" + "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in
                                    ("Home", "World", "Politics", "Business", "Sport", "Culture", "Opinion")) + "</ul></nav>"
        cookie = ('<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience and '
                  'for advertising. By continuing you accept our use of cookies.</p><button>Accept all</button></div>')
        related = ('<aside class="related"><h3>Related stories</h3><ul>'
                   + "".join(f'<li><a href="/related/{i}">Markets rally as investors weigh the outlook, part {i}</a></li>'
                             for i in range(1, 6)) + "</ul></aside>")
        advert = ('<div class="advertisement ad-slot"><span>Advertisement</span><p>Save 50% on your first year '
                  'of premium news. Subscribe today and never miss a story!</p></div>')
        footer = ("<footer><ul><li><a href='/about'>About us</a></li><li><a href='/privacy'>Privacy policy</a></li>"
                  "<li><a href='/terms'>Terms of use</a></li></ul><p>© 2015 Example News Group. All rights reserved.</p></footer>")
        body = f"{cookie}<header>{nav}</header><main>{article}{advert}{related}</main>{footer}"
    else:
        body = article
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)} | {esc(site)}</title>"
            f"{''.join(meta)}</head><body>{body}</body></html>")


def navigation_page() -> str:
    """A page with no story: a section front of links only."""
    links = "".join(f'<li><a href="/story/{i}">Story number {i}</a></li>' for i in range(40))
    return f"<!DOCTYPE html><html><head><title>World news</title></head><body><nav><ul>{links}</ul></nav></body></html>"


@dataclass
class Item:
    link: str
    title: str
    published: str | None = None  # RFC 822 for RSS, ISO 8601 for Atom
    guid: str | None = None
    summary: str = ""


def rss(items: list[Item], *, title: str = "Example News", link: str = "http://127.0.0.1/") -> str:
    esc = html.escape
    entries = "".join(
        "<item>"
        f"<title>{esc(i.title)}</title><link>{esc(i.link)}</link>"
        + (f"<guid>{esc(i.guid)}</guid>" if i.guid else "")
        + (f"<pubDate>{esc(i.published)}</pubDate>" if i.published else "")
        + f"<description>{esc(i.summary)}</description></item>"
        for i in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{esc(title)}</title>'
            f"<link>{esc(link)}</link><description>news</description>{entries}</channel></rss>")


def atom(items: list[Item], *, title: str = "Example Atom", link: str = "http://127.0.0.1/") -> str:
    esc = html.escape
    entries = "".join(
        "<entry>"
        f"<title>{esc(i.title)}</title><link href=\"{esc(i.link)}\"/>"
        f"<id>{esc(i.guid or i.link)}</id>"
        + (f"<published>{esc(i.published)}</published><updated>{esc(i.published)}</updated>" if i.published else "")
        + f"<summary>{esc(i.summary)}</summary></entry>"
        for i in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{esc(title)}</title><link href=\"{esc(link)}\"/><id>{esc(link)}</id>"
            f"<updated>2015-12-14T00:00:00Z</updated>{entries}</feed>")
