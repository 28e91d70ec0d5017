"""The DuckDB review store: the only place in the project that writes SQL.

One module per table family: ``db`` (connection, lock, migrations), and the repositories the
pipeline stages use. Everything else calls these functions.
"""

from annotate.store.db import DEFAULT_DB, StoreBusy, StoreError, connect, db_path, migrate

__all__ = ["DEFAULT_DB", "StoreBusy", "StoreError", "connect", "db_path", "migrate"]
