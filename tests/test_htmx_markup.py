"""htmx markup rules (issue 13): no attribute is handed down to links that navigate, htmx
falls back to the vendored copy, and polling regions have a Refresh link without scripts."""

import json
import re
from pathlib import Path

import pytest

from portal import config
from tests.conftest import make_app

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
REQUEST = re.compile(r"\bhx-(get|post|put|patch|delete)=")
# Attributes that htmx would hand down to descendants were inheritance on.
INHERITABLE = re.compile(r"\bhx-(target|swap|select|select-oob|disabled-elt|include|indicator|"
                         r"vals|confirm|push-url|replace-url|headers|params|sync|encoding|ext)=")
TAG = re.compile(r"<(\w+)\b([^>]*)>", re.S)


def _tags():
    for template in sorted(TEMPLATES.rglob("*.html")):
        for match in TAG.finditer(template.read_text()):
            yield template.relative_to(TEMPLATES), match.group(1), match.group(2)


def test_request_attributes_sit_on_the_control_that_makes_the_request():
    """A target or swap on a container (a <tbody>, a <section>) is what once rendered a whole
    page inside a table row: a boosted link inherited it."""
    misplaced = [(str(path), tag) for path, tag, attributes in _tags()
                 if INHERITABLE.search(attributes) and not REQUEST.search(attributes)]
    assert misplaced == []


def test_htmx_inherits_nothing_but_hx_boost(client):
    page = client.get("/login").get_data(as_text=True)
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert json.loads(meta.group(1))["disableInheritance"] is True
    assert '<body hx-boost="true" hx-inherit="hx-boost">' in page


@pytest.fixture
def client(tmp_path):
    return make_app(tmp_path).test_client()


def test_by_default_htmx_comes_from_the_cdn_then_the_fallback(tmp_path, monkeypatch):
    monkeypatch.delenv("HTMX_VENDORED", raising=False)
    assert config.from_environment(str(tmp_path))["HTMX_VENDORED"] is False
    page = make_app(tmp_path, HTMX_VENDORED=False).test_client().get("/login")
    body = page.get_data(as_text=True)
    scripts = re.findall(r"<script [^>]*>", body)
    assert scripts[0] == (f'<script src="{config.HTMX_CDN_URL}" integrity="{config.HTMX_INTEGRITY}"'
                          ' crossorigin="anonymous">')
    assert 'src="/static/js/htmx-fallback.js" data-htmx-src="/static/vendor/htmx-2.0.11.min.js"' \
        in scripts[1]
    assert "<script>" not in body  # no inline script: the CSP allows none
    assert "https://cdn.jsdelivr.net" in page.headers["Content-Security-Policy"]


def test_vendored_htmx_needs_no_fallback_and_no_cdn(client):
    response = client.get("/login")
    body = response.get_data(as_text=True)
    assert "htmx-fallback.js" not in body and "cdn.jsdelivr.net" not in body
    assert "cdn.jsdelivr.net" not in response.headers["Content-Security-Policy"]


def test_no_template_has_inline_styles_or_scripts():
    """style-src and script-src are 'self': inline ones would be refused (console errors)."""
    inline = [(str(path), tag) for path, tag, attributes in _tags()
              if re.search(r"\bstyle=|\bon[a-z]+=", attributes)
              or (tag == "script" and "src=" not in attributes) or tag == "style"]
    assert inline == []
