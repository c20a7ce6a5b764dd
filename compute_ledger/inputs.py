"""The one reading layer for every input file: CSV tables, YAML parameter and scenario files, notebooks, CITATION.cff.

Every file is decoded strictly as UTF-8 (a leading byte-order mark, as spreadsheet programs write it, is dropped).
Any failure to open, decode or parse becomes an ``InputFileError`` whose message is one line naming the file, the
line where known, and what is wrong. Light imports only: the command line reads parameter files through it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from compute_ledger import paths
from compute_ledger.errors import InputFileError

BOM = "\ufeff"


def display(path: Path) -> str:
    """The path as a person would type it: relative to the project root when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def read_text(path: Path) -> str:
    """The file's text: strict UTF-8, without a leading BOM."""
    name = display(path)
    path = Path(path)
    if path.is_dir():
        raise InputFileError(f"{name}: is a folder, not a file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{name}: file is missing") from None
    except OSError as error:
        raise InputFileError(f"{name}: cannot be read ({error.strerror or error})") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFileError(f"{name}: is UTF-16 text; save it as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InputFileError(f"{name}:{line}: holds a NUL byte: binary data or UTF-16, not UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        byte = data[error.start]
        raise InputFileError(
            f"{name}:{line}: byte 0x{byte:02x} at column {column} is not UTF-8 (Latin-1 or another encoding?); "
            "save the file as UTF-8"
        ) from None
    return text[1:] if text.startswith(BOM) else text


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the rows of a comma-separated file, each row with the line it starts on.

    Refuses an empty file, a file whose delimiter is not a comma, and malformed quoting (a quoted field cut off at
    the end of the file included)."""
    name = display(path)
    text = read_text(path)
    if not text.strip():
        raise InputFileError(f"{name}: file is empty")
    first_line = text.split("\n", 1)[0]
    if "," not in first_line:
        for delimiter, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if delimiter in first_line:
                raise InputFileError(f"{name}:1: the columns are separated by {label}; use commas")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as error:
        reason = str(error)
        if "unexpected end of data" in reason or "EOF" in reason:
            reason = "a quoted field is not closed before the end of the file"
        raise InputFileError(f"{name}:{start}: malformed CSV: {reason}") from None
    header = rows[0][1]
    return header, [(line, row) for line, row in rows[1:] if row]


def read_yaml(path: Path) -> object:
    """The parsed YAML document (safe loader)."""
    import yaml

    name = display(path)
    text = read_text(path)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise InputFileError(f"{where}: not valid YAML: {problem}") from None


def read_json(path: Path) -> object:
    """The parsed JSON document (notebooks are JSON)."""
    name = display(path)
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputFileError(f"{name}:{error.lineno}: not valid JSON: {error.msg} (column {error.colno})") from None
