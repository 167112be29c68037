"""Rows to put into a cache table, or to delete from it, put aside in a
temporary table of the same connection and written at once (``apply``):
the deletes, then the puts in the order they were put aside (a key both
deleted and put ends put, whatever the order: a pass puts aside one of the
two per key). A re-run's pass writes those of the documents it processed
so (pipeline.carry's rows and their outcomes, pipeline.cache): a scan of a
table under way is not moved by writes to it, and the main process writes
them while it waits for the version's files (pipeline.rerun), not during
the pass, where the workers and the copying child want the cores too. Held
by SQLite, not in memory: they are as many as the documents processed. Rows
are keyed by (id, path)."""

from __future__ import annotations

import sqlite3


class Pending:
    def __init__(self, db: sqlite3.Connection, table: str, columns: tuple[str, ...], select: str = "*") -> None:
        """``columns``: the definitions of the values ``put`` takes; ``select``:
        the values of ``table``'s row made of a pending row ``p``."""
        self.db = db
        name = f"{table}_pending"
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({', '.join(columns)}, gone INTEGER NOT NULL)")
        db.execute(f"DELETE FROM {name}")
        self._put = f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))}, 0)"
        self._delete = f"INSERT INTO {name} (id, path, gone) VALUES (?, ?, 1)"
        self._apply = (f"DELETE FROM {table} WHERE (id, path) IN (SELECT id, path FROM {name} WHERE gone)",
                       f"INSERT OR REPLACE INTO {table} SELECT {select} FROM {name} AS p WHERE NOT gone ORDER BY rowid",
                       f"DELETE FROM {name}")

    def put(self, values: tuple) -> None:
        self.db.execute(self._put, values)

    def delete(self, doc_id: str, path: str) -> None:
        self.db.execute(self._delete, (doc_id, path))

    def apply(self) -> None:
        """The deletes, then the puts."""
        for statement in self._apply:
            self.db.execute(statement)
