"""Opening `.isms/store.sqlite`: a damaged, foreign or read-only file is refused with a message that
names it and says what to do (exit 2), never a traceback; an older store is migrated in place."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection, Engine

from assistant.errors import InputError, IsmsError
from assistant.store import chain
from assistant.store.schema import ADDED_COLUMNS, SCHEMA_VERSION, TRIGGERS, Base, sha256_text

SQLITE_MAGIC = b"SQLite format 3\x00"
OURS = {"documents", "versions"}  # a file without these tables (and with others) is some other database
CORE_VERSION_COLUMNS = {"id", "document_id", "number", "content", "status"}
MOVE_ASIDE = (
    "move it aside (e.g. rename it to store.sqlite.broken, with any store.sqlite-wal and -shm beside it) "
    "and run `isms doctor` to rebuild the store from out/"
)


def check_file(path: Path) -> None:
    """What can be told before SQLite opens the file: a folder, an empty or non-SQLite file, no write access."""
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, but the version store needs a folder there; move it aside")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not the version store file; {MOVE_ASIDE}")
    if not path.exists():
        if folder.exists() and not os.access(folder, os.W_OK):
            raise InputError(
                f"{folder} is read-only, so the version store cannot be created there; make it writable"
            )
        return
    if not path.is_file():
        raise InputError(f"{path} is not a regular file, so it cannot be the version store; {MOVE_ASIDE}")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise InputError(f"{path} cannot be read ({exc.strerror}); check its permissions") from None
    if not header:
        raise InputError(
            f"{path} is empty (0 bytes), so the version store was lost or cut short; {MOVE_ASIDE}"
        )
    if header != SQLITE_MAGIC:
        raise InputError(f"{path} is not an SQLite database (truncated or overwritten?); {MOVE_ASIDE}")
    if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
        raise InputError(_read_only(path))


def _read_only(path: Path) -> str:
    return (
        f"{path} is read-only: isms records every version, review and approval there, so make the file "
        f"and its folder {path.parent} writable (or work on a copy of the workspace)"
    )


@contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's errors (a damaged, read-only or busy file) into one clear message that names the
    file. A refused constraint or trigger is a bug in the caller and stays as it is."""
    try:
        yield
    except (sa_exc.IntegrityError, sqlite3.IntegrityError):
        raise
    except (sa_exc.DatabaseError, sqlite3.DatabaseError) as exc:
        raise _explain(path, exc) from None


def _explain(path: Path, exc: Exception) -> IsmsError:
    cause = getattr(exc, "orig", None) or exc
    reason = str(cause).strip()
    lowered = reason.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return InputError(_read_only(path))
    if "locked" in lowered or "busy" in lowered:  # not the file's fault: another process held it too long
        return IsmsError(f"{path} is busy: another isms process is writing to it; try again when it finishes")
    if "unable to open" in lowered:
        return InputError(
            f"{path} cannot be opened ({reason}); check that the file and its folder {path.parent} "
            "are readable and writable"
        )
    if "not a database" in lowered:
        return InputError(f"{path} is not an SQLite database (truncated or overwritten?); {MOVE_ASIDE}")
    return InputError(f"{path} is damaged ({reason}); {MOVE_ASIDE}")


def prepare(engine: Engine, path: Path) -> None:
    """Check that the file is a sound store of ours that can be written, create the tables of a new one and
    migrate an older one. Raises InputError naming the file otherwise."""
    with sqlite_errors(path):
        version = _look(path) if path.exists() else 0
        with engine.connect() as conn:  # a read-only file opens (even BEGIN IMMEDIATE works) until a write
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql(f"PRAGMA user_version = {version}")
            conn.exec_driver_sql("ROLLBACK")
        Base.metadata.create_all(engine)  # the tables a newer format added (and their triggers)
        if version < SCHEMA_VERSION:
            with engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                migrate(conn, version)
                conn.commit()


def _look(path: Path) -> int:
    """The store format of an existing file, read through a read-only connection so that nothing is
    written to a damaged or foreign file before it is recognised (the engine's pragmas would switch it
    to WAL)."""
    companions = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    existed = {c for c in companions if c.exists()}
    conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
    try:
        problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
        if problems != ["ok"]:
            shown = "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
            raise InputError(f"{path} is damaged (SQLite's check found: {shown}); {MOVE_ASIDE}")
        tables = {
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if tables and not OURS <= tables:
            raise InputError(
                f"{path} is an SQLite database of something else (tables: {', '.join(sorted(tables)[:6])}), "
                f"not the isms version store; {MOVE_ASIDE}"
            )
        columns = {str(r[1]) for r in conn.execute("PRAGMA table_info(versions)")}
        if tables and not CORE_VERSION_COLUMNS <= columns:
            raise InputError(
                f"{path} has a versions table that isms did not make (no "
                f"{', '.join(sorted(CORE_VERSION_COLUMNS - columns))}); {MOVE_ASIDE}"
            )
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except BaseException:
        conn.close()
        _remove_empty_wal(companions, existed)
        raise
    conn.close()
    if version > SCHEMA_VERSION:
        raise InputError(
            f"{path} was written by a newer isms (store format {version}; this one reads up to "
            f"{SCHEMA_VERSION}); upgrade isms"
        )
    return version


def _remove_empty_wal(companions: list[Path], existed: set[Path]) -> None:
    """A read-only look at a file in WAL mode creates an empty -wal and its -shm; a refused file keeps
    nothing new beside it (a stale -wal could otherwise meet the store that replaces it)."""
    wal, shm = companions
    if wal in existed or (wal.exists() and wal.stat().st_size > 0):
        return
    for leftover in (wal, shm):
        if leftover not in existed:
            with contextlib.suppress(OSError):
                leftover.unlink()


def migrate(conn: Connection, version: int = 0) -> None:
    """Bring a store of format `version` to SCHEMA_VERSION, one step at a time. The caller holds the write
    lock and commits; SQLite's DDL is transactional, so a failure leaves the store as it was.

    0 -> 1: the hash columns, filled in order, and every trigger (re)created. 1 -> 2: the comments table
    (made by `create_all` before this runs) and its triggers; nothing of format 1 is touched, so an edit
    made to a format 1 store outside isms stays visible to `verify` (a second backfill would launder it)."""
    if version < 1:
        _add_hashes(conn)
    for _table, statement in TRIGGERS.values():  # IF NOT EXISTS: an existing (even weakened) one stays
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _add_hashes(conn: Connection) -> None:
    """Format 0 -> 1: add the hash columns, fill them in order; the triggers are dropped for the backfill
    (the old ones refuse it for approved versions) and `migrate` creates them all again."""
    for table, column, ddl in ADDED_COLUMNS:
        if column not in {c["name"] for c in inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")
    for name in TRIGGERS:  # the old ones refuse the backfill of approved versions; all come back after
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    versions = Base.metadata.tables["versions"]
    digests: dict[int, str] = {}
    for id_, content, stored in conn.execute(
        select(versions.c.id, versions.c.content, versions.c.content_hash)
    ):
        digests[id_] = sha256_text(content)
        if stored != digests[id_]:
            conn.execute(versions.update().where(versions.c.id == id_).values(content_hash=digests[id_]))
    audit = Base.metadata.tables["audit_log"]
    prev = chain.GENESIS
    for row in conn.execute(select(audit).order_by(audit.c.id)).all():
        digest = chain.entry_hash(
            row, prev, digests.get(row.version_id) if row.version_id is not None else None
        )
        if (row.prev_hash, row.entry_hash) != (prev, digest):
            conn.execute(audit.update().where(audit.c.id == row.id).values(prev_hash=prev, entry_hash=digest))
        prev = digest
