"""Alembic's env.py calls logging.config.fileConfig, which disables every existing logger.

Tests that run migrations wrap them in `preserved_logging()` so later tests still see the app's
and the libraries' log records.
"""

import logging
from contextlib import contextmanager


@contextmanager
def preserved_logging():
    manager = logging.root.manager
    saved = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root = (logging.root.level, list(logging.root.handlers))
    try:
        yield
    finally:
        for name, logger in list(manager.loggerDict.items()):
            if not isinstance(logger, logging.Logger):
                continue
            if name in saved:
                logger.disabled, logger.level, handlers, logger.propagate = saved[name]
                logger.handlers[:] = handlers
            else:
                logger.disabled = False
        logging.root.setLevel(root[0])
        logging.root.handlers[:] = root[1]
