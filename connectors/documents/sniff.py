"""Decides what a file really is from its bytes, and refuses anything else before it is parsed.

The name's extension and the platform's MIME type are claims; the magic bytes
and the container layout decide. Spreadsheets with macros, encrypted files,
legacy binary formats and zip bombs are refused here.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from connectors.documents.errors import DocumentRefused

Kind = Literal["csv", "xlsx", "png", "jpeg", "pdf"]
EXTENSIONS: dict[str, Kind] = {
    ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".png": "png",
    ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf",
}
LABEL: dict[Kind, str] = {"csv": "a CSV file", "xlsx": "an Excel workbook (.xlsx)", "png": "a PNG image",
                          "jpeg": "a JPEG image", "pdf": "a PDF"}
MACRO_MARKERS = ("vbaproject.bin", "macroenabled", "xl/macrosheets/", "xl/dialogsheets/", "activex")
MAX_RATIO = 200
"""Most compression a real workbook shows; beyond it a zip is treated as a bomb."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Size limits applied before parsing (bytes, rows, pages)."""

    max_bytes: int = 10 * 1024 * 1024
    max_unzipped: int = 100 * 1024 * 1024
    max_rows: int = 5000
    max_columns: int = 60
    max_pages: int = 5
    max_pixels: int = 40_000_000


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_size(name: str, size: int | None, limits: Limits) -> None:
    """Refuse by declared size, before fetching anything."""
    if size is not None and size > limits.max_bytes:
        raise DocumentRefused(name, f"it is {megabytes(size)}; the limit is {megabytes(limits.max_bytes)}.")


def sniff(name: str, data: bytes, limits: Limits) -> Kind:
    """What ``data`` is, checked against the file's extension; raises ``DocumentRefused``."""
    check_size(name, len(data), limits)
    if not data:
        raise DocumentRefused(name, "the file is empty.")
    extension = PurePosixPath(name.lower()).suffix
    claimed = EXTENSIONS.get(extension)
    if claimed is None:
        allowed = ", ".join(sorted({e for e in EXTENSIONS if e != ".txt"}))
        raise DocumentRefused(name, f"I only read {allowed} files, not {extension or 'files without an extension'}.")
    actual = _magic(name, data, limits)
    if actual != claimed:
        raise DocumentRefused(name, f"it is named {extension} but its content is {LABEL[actual]}. "
                                    "Rename it or export it again in the right format.")
    return actual


def _magic(name: str, data: bytes, limits: Limits) -> Kind:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        _check_workbook(name, data, limits)
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DocumentRefused(name, "it is a legacy or password-protected Office file (.xls/.doc); "
                                    "save it as .xlsx or CSV without a password.")
    if _is_text(data):
        return "csv"
    raise DocumentRefused(name, "its content is not a CSV, XLSX, PNG, JPEG or PDF file (corrupt or another format).")


def _is_text(data: bytes) -> bool:
    head = data[:65536]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.98 * max(len(text), 1)
    return False


def _check_workbook(name: str, data: bytes, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise DocumentRefused(name, "the workbook is corrupt (its zip container cannot be read).") from None
    names = [e.filename.lower() for e in entries]
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise DocumentRefused(name, "it is a zip archive but not an Excel workbook (.xlsx).")
    content_types = archive.read("[Content_Types].xml").lower() if len(names) else b""
    if any(m in n for n in names for m in MACRO_MARKERS) or b"macroenabled" in content_types:
        raise DocumentRefused(name, "the workbook contains macros or ActiveX controls, which I never open. "
                                    "Save it as a plain .xlsx workbook.")
    if any(e.flag_bits & 0x1 for e in entries):
        raise DocumentRefused(name, "the workbook is encrypted.")
    unzipped = sum(e.file_size for e in entries)
    if unzipped > limits.max_unzipped or unzipped > MAX_RATIO * max(len(data), 1):
        raise DocumentRefused(name, f"the workbook expands to {megabytes(unzipped)}, more than I read.")
