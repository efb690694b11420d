"""Importing records from CSV and XLSX files: the framework each kind of import builds on.

An ``Importer`` names its columns and turns one row into an unsaved model instance (or a list
of ``RowError``s). The framework reads the file, checks its size, row count and headers, and
offers two operations:

- ``preview(file)``: validates every row and writes nothing (counts, the first rows, every
  error, likely duplicates);
- ``commit(file)``: validates every row again and saves them all in one transaction, or
  nothing at all when any row has an error (DESIGN.md: nothing half-written).

Rows are numbered as a spreadsheet shows them: the header is row 1, the first record row 2.
Saving goes through each model's ``save()``, so django-auditlog writes one entry per record;
call ``commit`` inside a web request or ``waypoint.core.audit.acting_as`` so it is attributed.
The import pages run ``commit`` in a background task (``waypoint.core.tasks.run_import_job``),
tracked by an ``ImportJob``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
PREVIEW_ROWS = 20
DUPLICATE_CHOICES = ("skip", "import")


def upload_folder() -> Path:
    """Where uploaded files wait for their import (under ``WAYPOINT_VAR_DIR``, so that the task
    worker, a separate process, finds them too)."""
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


class ImportFileError(Exception):
    """The file as a whole cannot be imported (format, size, headers, no rows)."""


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    help: str = ""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Row:
    number: int
    values: dict[str, Any]

    def get(self, column: str) -> Any:
        value = self.values.get(column, "")
        return "" if value is None else value

    def text(self, column: str) -> str:
        value = self.get(column)
        return value if isinstance(value, str) else str(value)


@dataclass
class ImportResult:
    """What a preview or a commit found. ``created`` and ``skipped`` are set by a commit."""

    header: list[str] = field(default_factory=list)
    total_rows: int = 0
    valid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[RowError] = field(default_factory=list)
    sample: list[Row] = field(default_factory=list)
    file_error: str = ""
    committed: bool = False
    created: int = 0
    skipped: int = 0
    skipped_duplicates: int = 0  # valid rows left out as likely duplicates (on_duplicate=skip)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors

    @property
    def to_import(self) -> int:
        """Rows a commit would write (duplicates left out when they are skipped)."""
        return self.valid_rows - self.skipped_duplicates

    def summary(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "errors": len(self.errors),
            "duplicates": len(self.duplicates),
            "created": self.created,
            "skipped": self.skipped,
            "committed": self.committed,
            "file_error": self.file_error,
        }


class RowValueError(Exception):
    """A value that cannot be read; the message says what is expected."""


# Reading files ---------------------------------------------------------------------------------


def _size(stream: IO[bytes]) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _cell(value: Any) -> Any:
    """A spreadsheet cell as the importers expect it: text stripped, dates kept as dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    return value  # date, datetime, time


def _header_name(value: Any) -> str:
    return re.sub(r"[\s-]+", "_", str(value or "").strip().lower())


def read_table(file: IO[bytes] | str | Path) -> tuple[list[str], list[Row]]:
    """The header (normalised names) and the non-blank rows of a CSV or XLSX file.

    Raises ImportFileError for a file too big, in neither format, empty or with too many rows.
    """
    if isinstance(file, (str, Path)):
        with open(file, "rb") as stream:
            return read_table(stream)
    if _size(file) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into "
            "smaller files."
        )
    file.seek(0)
    start = file.read(4)
    file.seek(0)
    records = _xlsx_records(file) if start == b"PK\x03\x04" else _csv_records(file)
    header: list[str] | None = None
    rows: list[Row] = []
    for number, record in enumerate(records, start=1):
        if header is None:
            header = [_header_name(value) for value in record]
            if not any(header):
                raise ImportFileError(
                    "The file is empty: its first row must hold the column names."
                )
            continue
        cells = [_cell(value) for value in record]
        if not any(cell != "" for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {MAX_ROWS:,} rows; split it into smaller files."
            )
        values = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header) if name}
        extra = [cell for cell in cells[len(header) :] if cell != ""]
        if extra:
            values["__extra__"] = len(cells)
        rows.append(Row(number=number, values=values))
    if header is None:
        raise ImportFileError("The file is empty: its first row must hold the column names.")
    if not rows:
        raise ImportFileError("The file has column names but no rows to import.")
    return header, rows


def _csv_records(stream: IO[bytes]) -> Iterable[Sequence[Any]]:
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is neither an Excel workbook (.xlsx) nor CSV text in UTF-8. "
            "In Excel, save it as “CSV UTF-8” or as an .xlsx workbook."
        ) from None
    if "\x00" in text:
        raise ImportFileError("The file is not CSV text: upload a .csv or an .xlsx file.")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ImportFileError(f"The CSV file cannot be read: {error}.") from None


def _xlsx_records(stream: IO[bytes]) -> Iterable[Sequence[Any]]:
    import openpyxl  # type: ignore[import-untyped]

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(
            "The file cannot be read as an Excel workbook (.xlsx); save it again from Excel."
        ) from None
    try:
        if not workbook.worksheets:
            return []
        sheet = workbook.worksheets[0]
        return list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()


# Reading values --------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)


def parse_date(value: Any) -> dt.date | None:
    if value in ("", None):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(str(value), fmt).date()
        except ValueError:
            continue
    raise RowValueError(f"{value!r} is not a date: use YYYY-MM-DD or DD/MM/YYYY.")


def parse_datetime(value: Any, time_zone: dt.tzinfo) -> dt.datetime | None:
    """A date and time in the organisation's time zone (stored in UTC)."""
    if value in ("", None):
        return None
    moment = value if isinstance(value, dt.datetime) else _strptime(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=time_zone)
    return moment.astimezone(dt.UTC)


def _strptime(text: str) -> dt.datetime:
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise RowValueError(
        f"{text!r} is not a date and time: use YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM."
    )


def parse_choice(value: Any, choices: Sequence[tuple[str, str]]) -> str:
    """A choice given by its code or its label, in any case."""
    text = str(value).strip()
    if not text:
        return ""
    wanted = text.lower()
    for code, label in choices:
        if wanted in (str(code).lower(), str(label).lower()):
            return str(code)
    options = ", ".join(str(label) for _, label in choices)
    raise RowValueError(f"{text!r} is not one of: {options}.")


def parse_bool(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in ("", "no", "n", "false", "0"):
        return False
    if text in ("yes", "y", "true", "1"):
        return True
    raise RowValueError(f"{value!r} is not yes or no.")


def parse_int(value: Any) -> int | None:
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise RowValueError(f"{text!r} is not a whole number.") from None


# The importer ----------------------------------------------------------------------------------


class Importer:
    """One kind of import. Subclasses set the class attributes and ``validate_row``."""

    do_not_call_in_templates = True  # templates read the class's attributes
    kind: ClassVar[str]
    label: ClassVar[str]
    model: ClassVar[type[models.Model]]
    # The model whose policy says who may import (``organisations_for_add``).
    permission_model: ClassVar[type[models.Model]]
    columns: ClassVar[tuple[Column, ...]]
    handles_duplicates: ClassVar[bool] = False
    # Model field -> column, where they differ (for errors from ``full_clean``).
    field_columns: ClassVar[dict[str, str]] = {}
    # The page listing the imported records (a URL name), linked from the import's result.
    records_url_name: ClassVar[str] = ""

    def __init__(self, *, organisation: Any, acting_user: Any, on_duplicate: str = "skip") -> None:
        if on_duplicate not in DUPLICATE_CHOICES:
            raise ValueError(f"on_duplicate must be one of {DUPLICATE_CHOICES}")
        self.organisation = organisation
        self.acting_user = acting_user
        self.on_duplicate = on_duplicate

    # Hooks ------------------------------------------------------------------------------------

    def prepare(self, rows: list[Row]) -> None:
        """Load what every row needs in a few queries (look-up tables), before validation."""

    def validate_row(self, row: Row) -> Any:
        """An unsaved instance, or a list of RowError."""
        raise NotImplementedError

    def duplicate_of(self, obj: Any, row: Row) -> str | None:
        """A description of the existing record ``obj`` likely duplicates, or None."""
        return None

    def save(self, objs: list[Any]) -> None:
        """Save every instance (one audit entry each)."""
        for obj in objs:
            obj.save()

    # Helpers for subclasses -------------------------------------------------------------------

    def read(self, row: Row, column: str, parser: Any, errors: list[RowError], *args: Any) -> Any:
        """``parser(row value, *args)``; a RowValueError becomes a RowError for ``column``."""
        try:
            return parser(row.get(column), *args)
        except RowValueError as error:
            errors.append(RowError(row.number, column, str(error)))
            return None

    def check_model(
        self, obj: models.Model, row: Row, errors: list[RowError], exclude: Iterable[str] = ()
    ) -> None:
        """``full_clean`` (the forms' own messages), each error put on its column."""
        try:
            obj.full_clean(exclude=list(exclude))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                column = self.field_columns.get(name, name)
                if column not in self.column_names:
                    column = ""
                for message in messages:
                    errors.append(RowError(row.number, column, message))

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    # Operations -------------------------------------------------------------------------------

    def check_header(self, header: list[str]) -> None:
        named = [name for name in header if name]
        repeated = sorted({name for name in named if named.count(name) > 1})
        unknown = [name for name in named if name not in self.column_names]
        missing = [c.name for c in self.columns if c.required and c.name not in named]
        problems = []
        if repeated:
            problems.append(f"Repeated columns: {', '.join(repeated)}.")
        if unknown:
            problems.append(f"Unknown columns: {', '.join(unknown)}.")
        if missing:
            problems.append(f"Missing required columns: {', '.join(missing)}.")
        if problems:
            problems.append(f"The columns for {self.label} are: {', '.join(self.column_names)}.")
            raise ImportFileError(" ".join(problems))

    def _validate(self, file: IO[bytes] | str | Path) -> tuple[ImportResult, list[Any]]:
        result = ImportResult()
        try:
            header, rows = read_table(file)
            self.check_header(header)
        except ImportFileError as error:
            result.file_error = str(error)
            return result, []
        result.header = [name for name in header if name]
        result.total_rows = len(rows)
        result.sample = rows[:PREVIEW_ROWS]
        self.prepare(rows)
        to_save: list[Any] = []
        for row in rows:
            if "__extra__" in row.values:
                result.errors.append(
                    RowError(
                        row.number,
                        "",
                        f"This row has {row.values.pop('__extra__')} values but there are "
                        f"only {len(header)} column names.",
                    )
                )
                continue
            outcome = self.validate_row(row)
            if isinstance(outcome, list):
                result.errors.extend(outcome)
                continue
            result.valid_rows += 1
            duplicate = self.duplicate_of(outcome, row) if self.handles_duplicates else None
            if duplicate:
                result.duplicates.append(
                    RowError(row.number, "", f"Likely duplicate of {duplicate}.")
                )
                if self.on_duplicate == "skip":
                    result.skipped_duplicates += 1
                    continue
            to_save.append(outcome)
        return result, to_save

    def preview(self, file: IO[bytes] | str | Path) -> ImportResult:
        """Validate every row; write nothing."""
        result, _ = self._validate(file)
        return result

    def commit(self, file: IO[bytes] | str | Path) -> ImportResult:
        """Validate every row and save them all in one transaction, or write nothing."""
        result, to_save = self._validate(file)
        if not result.ok:
            return result
        try:
            with transaction.atomic():
                self.save(to_save)
        except ValidationError as error:
            result.file_error = "; ".join(error.messages)
            return result
        except DatabaseError as error:
            result.file_error = (
                f"Nothing was imported: the database refused a row ({error}). Check the file "
                "for records added at the same moment and try again."
            )
            return result
        result.committed = True
        result.created = len(to_save)
        result.skipped = result.skipped_duplicates
        return result


_importers: dict[str, type[Importer]] = {}
_discovered = False


def register_importer(importer_class: type[Importer]) -> type[Importer]:
    """Class decorator: offer this import on the import pages (``/imports/<kind>/``)."""
    _importers[importer_class.kind] = importer_class
    return importer_class


def importers() -> dict[str, type[Importer]]:
    """kind -> importer class. Each app's ``importers`` module registers its own (found the way
    the Django admin finds ``admin`` modules), so core never imports the apps above it."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("importers")
        _discovered = True
    return dict(_importers)


def template_csv(importer_class: type[Importer]) -> str:
    """A CSV holding just the column names, for people to fill in."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(column.name for column in importer_class.columns)
    return buffer.getvalue()
