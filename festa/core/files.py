"""Files Festa writes itself (the SQLite database, caches, import previews) are private:
directories 0700, files 0600, whatever the process umask says. They hold personal data
(the database) or data about it, and a shared host must not let other accounts read them."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) as 0700 directories; an existing one is left as
    the operator set it."""
    missing = []
    for parent in (path, *path.parents):
        if parent.exists():
            break
        missing.append(parent)
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # another process made it meanwhile
        os.chmod(directory, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (a reader sees the whole file or none), mode 0600."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def create_private_file(path: Path) -> None:
    """Create an empty 0600 file unless it exists (for SQLite, which would use the umask;
    its -wal and -shm files copy the database file's mode)."""
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))


def sqlite_file(database_url: str) -> Path | None:
    """The file of a `sqlite:///…` URL (None for other databases and in-memory SQLite)."""
    if not database_url.startswith("sqlite:///"):
        return None
    name = database_url[len("sqlite:///"):].split("?", 1)[0]
    if not name or name == ":memory:":
        return None
    return Path(name)
