"""URLs for task links, built the same way in requests and in background jobs."""

from flask import current_app


def path(endpoint: str, **values) -> str:
    """A site-relative URL for `endpoint`; needs an app context, not a request (RQ jobs)."""
    adapter = current_app.url_map.bind("", script_name=current_app.config["APPLICATION_ROOT"])
    return adapter.build(endpoint, values)
