"""Streaming writers: each file is opened once and grows by one chunk at a time.

CSV chunks are rendered by DuckDB (quoting, NULL as empty, timestamps as
``YYYY-MM-DD HH:MM:SS``) into a scratch file that is appended to the output,
so memory holds one chunk, never the file.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

import duckdb
import numpy as np
import pandas as pd


class CsvSink:
    """One CSV file with a fixed header, appended chunk by chunk."""

    def __init__(self, path: Path, columns: tuple[str, ...], con: duckdb.DuckDBPyConnection,
                 scratch: Path) -> None:
        self.path = path
        self.columns = columns
        self.rows = 0
        self._con = con
        self._scratch = scratch
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = path.open("wb")
        self._fh.write((",".join(columns) + "\n").encode("utf-8"))

    def write(self, frame: pd.DataFrame) -> None:
        """Append the frame's rows (its columns must be exactly this file's columns)."""
        if tuple(frame.columns) != self.columns:
            raise ValueError(f"{self.path.name}: columns {list(frame.columns)} != {list(self.columns)}")
        if frame.empty:
            return
        self._con.from_df(frame).write_csv(str(self._scratch), header=False)
        with self._scratch.open("rb") as src:
            shutil.copyfileobj(src, self._fh, 1 << 20)
        self.rows += len(frame)

    def close(self) -> None:
        self._fh.close()


class JsonArraySink:
    """A JSON document ``{"<key>": [ ... ]}`` whose array grows chunk by chunk."""

    def __init__(self, path: Path, key: str) -> None:
        self.path = path
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = path.open("w", encoding="utf-8", newline="\n")
        self._fh.write('{"' + key + '": [')

    def write(self, records: np.ndarray) -> None:
        """Append already-serialised JSON objects."""
        if len(records) == 0:
            return
        self._fh.write(("\n" if self.rows == 0 else ",\n") + ",\n".join(records.tolist()))
        self.rows += len(records)

    def close(self) -> None:
        self._fh.write("\n]}\n")
        self._fh.close()
