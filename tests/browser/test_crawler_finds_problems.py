"""The crawler of test_crawl.py can fail: on a small site with one fault per page it reports
each fault (a page inside a table row, a 404, a CSP violation, an htmx target error, an image
without text for axe, an <h1> that does not belong to the URL)."""

from pathlib import Path

import pytest
from flask import Flask, Response, request

from tests.browser._crawler import Crawler
from tests.browser._server import chromium_page, serve

pytestmark = pytest.mark.browser

HTMX = Path(__file__).resolve().parents[2] / "static/vendor/htmx-2.0.11.min.js"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            '<script src="/htmx.js"></script></head><body hx-boost="true">'
            f'<header><a href="/">Home</a></header><main><h1>{title}</h1>{body}</main>'
            "</body></html>")


def _faulty_site() -> Flask:
    app = Flask(__name__)
    pages = {
        "/": _page("Home", '<ul><li><a href="/table">Table</a></li><li><a href="/gone">Gone</a>'
                   '</li><li><a href="/styled">Styled</a></li><li><a href="/fragment">Fragment'
                   '</a></li><li><a href="/picture">Picture</a></li>'
                   '<li><a href="/misnamed">Misnamed</a></li></ul>'),
        # The fault of issue 13: the boosted link inherits the <tbody>'s target.
        "/table": _page("Table", '<table><tbody hx-target="closest tr" hx-swap="outerHTML">'
                        '<tr><td><a href="/row-target">Row target</a></td></tr></tbody></table>'),
        "/row-target": _page("Row target", "<p>A page.</p>"),
        "/styled": _page("Styled", '<p style="color: red">Inline style.</p>'),
        "/fragment": _page("Fragment", '<a href="/fragment" hx-get="/row-target" '
                           'hx-target="#nowhere">Load</a>'),
        "/picture": _page("Picture", '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw='
                          'AAAAAAQABAAACAkQBADs=" width="20" height="20">'),
        # A different <h1> when reached by htmx than when loaded: not the page of its URL.
        "/misnamed": None,
    }

    @app.get("/htmx.js")
    def htmx():
        return Response(HTMX.read_bytes(), mimetype="application/javascript")

    @app.get("/<path:path>")
    @app.get("/")
    def page(path=""):
        url = "/" + path
        if url == "/misnamed":
            boosted = request.headers.get("HX-Boosted") == "true"
            return _page("Something else" if boosted else "Misnamed", "")
        if url not in pages:
            return _page("Not found", ""), 404
        return pages[url]

    @app.after_request
    def csp(response):
        response.headers["Content-Security-Policy"] = CSP
        return response

    return app


def test_the_crawler_reports_every_fault():
    with serve(_faulty_site()) as base_url, chromium_page() as page:
        page.goto(base_url + "/")
        report = Crawler(page, base_url, "anyone").crawl(start="/")

    problems = "\n".join(report.problems)
    assert "/row-target: 2 <header> and 2 <main>" in problems
    assert "HTTP 404 GET " + base_url + "/gone" in problems
    assert "/styled: CSP: style-src-attr refused inline" in problems
    assert "htmx:targetError" in problems
    assert "axe critical image-alt" in problems
    assert ("shows /misnamed with <h1> ['Something else'], but /misnamed itself has <h1> "
            "['Misnamed']") in problems
    assert "shows /row-target with <h1> ['Table', 'Row target']" in problems
