"""Flask extensions, created here and bound to the app in `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def redis_connection():
    """The app's Redis (REDIS_URL): the job queues, import progress, the Nmbrs directory.

    One client per app and URL, so its connection pool is reused: a new client per call opened
    a new connection (with its handshake) for every progress step of an import, the largest
    share of a worker's CPU in the import bench (issue 14). redis-py's pool starts over in a
    forked work horse, so the client is safe to share."""
    from flask import current_app
    from redis import Redis

    url = current_app.config["REDIS_URL"]
    clients = current_app.extensions.setdefault("payroll_link_redis", {})
    client = clients.get(url)
    if client is None:
        client = clients.setdefault(url, Redis.from_url(url))
    return client
