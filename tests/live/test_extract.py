"""Page text and metadata: the story kept, the page furniture dropped, pages without a story refused."""

from __future__ import annotations

import pytest

from index import ExtractError, extract_article
from tests.newsweb import article_html, navigation_page

PARAGRAPHS = [
    "The far-right National Front failed to win a single region in Sunday's elections, despite leading in six "
    "regions after the first round a week earlier.",
    "Marine Le Pen lost to Xavier Bertrand, the Republicans' candidate, in the northern region of "
    "Nord-Pas-de-Calais-Picardie.",
    "Turnout rose to 58 percent, up from 50 percent in the first round, officials said on Monday.",
]


def test_story_and_metadata_from_a_page_with_furniture() -> None:
    page = article_html("Le Pen's party fails to win a region", PARAGRAPHS, site="Example News", author="Jane Doe",
                        published="2015-12-13T21:04:00Z", canonical="https://news.example/le-pen")
    article = extract_article(page.encode(), "http://127.0.0.1:8000/story?utm_source=x", content_type="text/html")
    assert article.title == "Le Pen's party fails to win a region"
    assert article.outlet == "Example News" and article.author == "Jane Doe"
    assert article.published == "2015-12-13"
    assert article.url == "https://news.example/le-pen"
    assert article.text.split("\n\n") == PARAGRAPHS
    for furniture in ("cookies", "Advertisement", "Subscribe", "Related stories", "Markets rally", "Privacy",
                      "All rights reserved", "Politics"):
        assert furniture not in article.text


def test_without_metadata_the_page_url_and_host_stand_in() -> None:
    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>"
    article = extract_article(page.encode(), "http://news.example/a.html", content_type="text/html")
    assert article.url == "http://news.example/a.html" and article.outlet == "news.example"
    assert article.published is None
    assert article.title  # the first line, when the page names no headline


def test_a_page_of_navigation_only_is_an_extract_error() -> None:
    with pytest.raises(ExtractError, match="no article text"):
        extract_article(navigation_page().encode(), "http://news.example/world", content_type="text/html")


@pytest.mark.parametrize("content_type", ["image/png", "application/pdf", "application/octet-stream", "video/mp4"])
def test_not_a_web_page(content_type: str) -> None:
    with pytest.raises(ExtractError, match="not a web page"):
        extract_article(b"\x89PNG...", "http://news.example/x", content_type=content_type)


@pytest.mark.parametrize("body", [b"", b"   ", b"\x00\x01\x02\xff" * 100, b"<html><body></body></html>",
                                  b"<<<<>>>>" * 1000])
def test_garbage_is_an_extract_error_not_a_crash(body: bytes) -> None:
    with pytest.raises(ExtractError):
        extract_article(body, "http://news.example/x", content_type="text/html")


def test_scripts_are_neither_run_nor_kept() -> None:
    page = ("<html><body><script>document.write('INJECTED TEXT FROM SCRIPT that is long enough to be a sentence "
            "of prose here')</script><article>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>")
    article = extract_article(page.encode(), "http://news.example/a", content_type="text/html")
    assert "INJECTED" not in article.text and "document.write" not in article.text


def test_charset_from_the_server() -> None:
    page = ("<html><body><article><h1>Maréchal-Le Pen</h1>" + "".join(f"<p>{p} Café.</p>" for p in PARAGRAPHS)
            + "</article></body></html>")
    article = extract_article(page.encode("latin-1"), "http://news.example/a", content_type="text/html",
                              charset="iso-8859-1")
    assert "Café" in article.text and article.title == "Maréchal-Le Pen"
