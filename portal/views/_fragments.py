"""Page-or-fragment rendering that treats boosted navigation (hx-boost) as a page request.

`portal.htmx.is_htmx` is true for boosted links and forms too (they send HX-Request), but a
boosted request swaps the whole body and so needs the whole page.
"""

from flask import make_response, render_template, request

from portal.htmx import is_htmx


def wants_fragment() -> bool:
    return is_htmx() and request.headers.get("HX-Boosted") != "true"


def render(page_template: str, fragment_template: str, status: int = 200, /, **context):
    template = fragment_template if wants_fragment() else page_template
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    response.vary.add("HX-Boosted")
    return response
