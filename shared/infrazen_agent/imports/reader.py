"""Reading a FOCUS file in batches: CSV, gzip-compressed CSV (by its bytes, whatever its name) or
Parquet (pyarrow, the `imports` extra; loaded only for a Parquet file). A batch is columnar: one
list of values per header column, so that counting nulls is one pass per column."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import InvalidInput, UnsupportedMediaType

BATCH_ROWS = 20_000
NULL_WORDS = ("", "NULL")  # FOCUS CSV exports write nulls as empty fields or a bare NULL
_GZIP = b"\x1f\x8b"
_PARQUET = b"PAR1"
SUFFIXES = (".csv", ".csv.gz", ".gz", ".parquet")


class UnreadableFile(InvalidInput):
    """The file is not a FOCUS CSV, CSV.gz or Parquet file (one clear sentence says why)."""


@dataclass
class Batch:
    first_row: int  # 1-based number of the batch's first data row (the header is not a row)
    size: int
    columns: list[Sequence[Any]]  # per header column (an empty list for a column not read)
    nulls: list[int]  # per header column
    ragged: dict[int, str] = field(default_factory=dict)  # index in batch -> problem


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def file_format(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(_PARQUET):
        return "parquet"
    if head.startswith(_GZIP):
        return "csv.gz"
    return "csv"


class Reader:
    """The header (`columns`) and then `batches()`; `progress` is the share of the file read."""

    def __init__(self, path: Path, wanted: set[str] | None = None, batch_rows: int = BATCH_ROWS):
        self.path = path
        self.format = file_format(path)
        self.size = max(path.stat().st_size, 1)
        self.batch_rows = batch_rows
        self.wanted = wanted
        self._raw: IO[bytes] | None = None
        self._rows_done = 0
        self._rows_total = 0
        try:
            self.columns = self._open_parquet() if self.format == "parquet" else self._open_csv()
        except BaseException:
            self.close()
            raise

    # --- CSV
    def _open_csv(self) -> list[str]:
        raw = self.path.open("rb")
        self._raw = raw
        stream: Any = gzip.GzipFile(fileobj=raw, mode="rb") if self.format == "csv.gz" else raw
        self._text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        self._csv = csv.reader(self._text, strict=True)
        try:
            header = next(self._csv)
        except StopIteration:
            raise UnreadableFile("the file is empty") from None
        except (UnicodeDecodeError, csv.Error, OSError, EOFError, zlib.error) as exc:
            raise UnreadableFile(f"not a FOCUS CSV file ({_why(exc)})") from None
        header = [h.strip() for h in header]
        if len(header) < 2 or any(not h for h in header) or len(set(header)) != len(header):
            raise UnreadableFile("not a FOCUS CSV file (the first line is not a header of distinct column names)")
        return header

    def _csv_batches(self) -> Iterator[Batch]:
        width = len(self.columns)
        first = 1
        rows: list[list[str]] = []
        ragged: dict[int, str] = {}
        try:
            for row in self._csv:
                if len(row) != width:
                    if not row:
                        continue  # a blank line
                    ragged[len(rows)] = f"{len(row)} fields where the header has {width}"
                    row = (row + [""] * width)[:width]
                rows.append(row)
                if len(rows) >= self.batch_rows:
                    yield self._csv_batch(first, rows, ragged)
                    first += len(rows)
                    rows, ragged = [], {}
        except (UnicodeDecodeError, csv.Error, OSError, EOFError, zlib.error) as exc:
            raise UnreadableFile(f"the file cannot be read past row {first + len(rows)} ({_why(exc)})") from None
        if rows:
            yield self._csv_batch(first, rows, ragged)

    @staticmethod
    def _csv_batch(first: int, rows: list[list[str]], ragged: dict[int, str]) -> Batch:
        columns = list(zip(*rows, strict=True))
        nulls = [col.count("") + col.count("NULL") for col in columns]
        return Batch(first, len(rows), columns, nulls, ragged)  # type: ignore[arg-type]

    # --- Parquet
    def _open_parquet(self) -> list[str]:
        try:
            import pyarrow.parquet as pq
            import pyarrow.types as pat
        except ImportError:
            raise UnsupportedMediaType(
                "Parquet needs pyarrow (pip install 'infrazen-agent[imports]'); CSV and CSV.gz work without it"
            ) from None
        try:
            self._pq = pq.ParquetFile(self.path)
        except Exception as exc:  # noqa: BLE001 - pyarrow's errors have no common base we can name
            raise UnreadableFile(f"not a readable Parquet file ({type(exc).__name__})") from None
        self._is_string = pat.is_string
        self._rows_total = max(self._pq.metadata.num_rows, 1)
        return [str(n) for n in self._pq.schema_arrow.names]

    def _parquet_batches(self) -> Iterator[Batch]:
        first = 1
        try:
            for record in self._pq.iter_batches(batch_size=self.batch_rows):
                columns: list[Sequence[Any]] = []
                nulls: list[int] = []
                for name, array in zip(self.columns, record.columns, strict=True):
                    values = array.to_pylist() if self.wanted is None or name in self.wanted else []
                    if values and self._is_string(array.type):
                        nulls.append(array.null_count + values.count("") + values.count("NULL"))
                    else:
                        nulls.append(array.null_count)
                    columns.append(values)
                yield Batch(first, record.num_rows, columns, nulls)
                first += record.num_rows
                self._rows_done = first - 1
        except Exception as exc:  # noqa: BLE001 - as above
            raise UnreadableFile(f"the Parquet file cannot be read past row {first} ({type(exc).__name__})") from None

    # ---
    def batches(self) -> Iterator[Batch]:
        return self._parquet_batches() if self.format == "parquet" else self._csv_batches()

    @property
    def progress(self) -> float:
        if self.format == "parquet":
            return min(self._rows_done / max(self._rows_total, 1), 1.0)
        return min(self._raw.tell() / self.size, 1.0) if self._raw is not None and not self._raw.closed else 1.0

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()


def _why(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    if isinstance(exc, gzip.BadGzipFile | EOFError | zlib.error):
        return "the gzip data is damaged or cut short"
    return str(exc).split("\n")[0][:120] or type(exc).__name__


def files_in(path: Path) -> list[Path]:
    """A file, or the FOCUS files of a folder (recursively, in name order)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        found = [p for p in sorted(path.rglob("*")) if p.is_file() and p.name.lower().endswith(SUFFIXES)]
        if not found:
            raise InvalidInput(f"no .csv, .csv.gz or .parquet file in {path.name or path}")
        return found
    raise InvalidInput(f"{path} does not exist")
