"""Page-or-fragment rendering for htmx requests."""

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not a history restore, not hx-boost).

    Boosted links and forms (hx-boost on <body>) swap the whole body: they need the page.
    """
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
        and request.headers.get("HX-Boosted") != "true"
    )


def render(page: str, fragment: str, status: int = 200, **context) -> Response:
    """Render the fragment for htmx requests and the full page otherwise."""
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def client_redirect(url: str, status: int = 200) -> Response:
    """Make htmx load `url` as a full page (used when a fragment makes no sense)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = url
    return response
