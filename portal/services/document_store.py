"""Where PDFs live: files under DOCUMENT_STORE_PATH, named by content hash, never in the database.

Writing by content hash makes a repeated import of the same PDF harmless, and a worker killed
before its database transaction commits leaves at most an unreferenced file behind.
"""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


def _root() -> Path:
    root = Path(current_app.config["DOCUMENT_STORE_PATH"]
                or Path(current_app.instance_path) / "documents")
    root.mkdir(parents=True, exist_ok=True)
    return root


def save_pdf(data: bytes) -> StoredFile:
    """Store the PDF and return its key; the bytes are written straight to disk."""
    digest = hashlib.sha256(data).hexdigest()
    key = f"{digest[:2]}/{digest}.pdf"
    path = _root() / key
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
            temporary = handle.name
        os.replace(temporary, path)  # atomic: readers never see half a file
    return StoredFile(key=key, size=len(data), sha256=digest)


def path_of(key: str) -> Path:
    path = (_root() / key).resolve()
    if _root().resolve() not in path.parents:
        raise ValueError("Document key outside the store")
    return path
