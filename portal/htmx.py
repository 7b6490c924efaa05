"""Page or fragment, and what a saved form answers: the two rules every view follows.

Page or fragment: an htmx request that targets part of a page (`HX-Request: true`) gets the
fragment; everything else gets the whole page. A boosted link or form (`HX-Boosted: true`, from
`hx-boost` on `<body>`) replaces the whole body, so it gets the page; so does a history restore
after a cache miss (`HX-History-Restore-Request: true`), which must rebuild the whole page.
Every answer that depends on these headers says so in `Vary`, so no cache hands a fragment to a
page request.

A saved form (`saved`): without htmx, flash the message and 303 to the page that shows the
result. With htmx, the fragment that shows the result, with the message as its `notice`; when
the result is another page (a new domain), flash and `HX-Redirect` there, because a redirect
would be followed inside the request and the whole page swapped into the form. Every form that
succeeded answers this way (an action too: a started import, a completed task).
"""

from flask import Response, flash, make_response, redirect, render_template, request

# The request headers that choose between page and fragment.
DECIDING_HEADERS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment: not a history restore, not boosted."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
        and request.headers.get("HX-Boosted") != "true"
    )


def _varying(response: Response) -> Response:
    response.vary.update(DECIDING_HEADERS)
    return response


def render(page: str, fragment: str, status: int = 200, /, **context) -> Response:
    """Render the fragment for htmx requests and the whole page otherwise."""
    template = fragment if is_htmx() else page
    return _varying(make_response(render_template(template, **context), status))


def fragment_or_redirect(fragment: str, url: str, /, **context) -> Response:
    """A part that exists only as a fragment (the Cancel of an inline form): the fragment for
    htmx, else a redirect to the page that contains it."""
    if not is_htmx():
        return _varying(redirect(url))
    return _varying(make_response(render_template(fragment, **context)))


def saved(message: str, url: str, fragment: str | None = None, /, *,
          flashed: str | None = None, **context) -> Response:
    """The answer to a successfully submitted form (see the module docstring).

    `flashed` replaces the message on the page when the notice stands next to the thing it is
    about and the flash does not ("Settings saved." beside the row, "<name>: Settings saved.").
    An empty message: the result says it all (a started import shows its progress)."""
    if is_htmx() and fragment is not None:
        return _varying(make_response(render_template(fragment, notice=message, **context)))
    if flashed or message:
        flash(flashed or message)
    if is_htmx():
        return _varying(client_redirect(url))
    return _varying(redirect(url, 303))


def client_redirect(url: str, status: int = 200) -> Response:
    """Make htmx load `url` as a whole page (used when a fragment makes no sense)."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = url
    return response
