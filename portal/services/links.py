"""URLs for task links, built the same way in requests and in background jobs."""

from flask import current_app, has_request_context, url_for


def path(endpoint: str, **values) -> str:
    """A site-relative URL for `endpoint`, also outside a request (RQ jobs)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)
