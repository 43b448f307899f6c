"""Reads the text layer of a PDF (receipts and invoices saved as PDF); never runs its scripts."""

from __future__ import annotations

import io
import logging

from connectors.documents.errors import DocumentRefused


def pdf_text(name: str, data: bytes, *, max_pages: int) -> str:
    """The text of the first pages; refuses encrypted or broken files, and scans without text."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentRefused(name, "the PDF is password-protected.")
        pages = reader.pages[:max_pages]
        text = "\n".join(page.extract_text() or "" for page in pages)
    except DocumentRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise DocumentRefused(name, f"the PDF is corrupt ({type(exc).__name__}).") from None
    if not text.strip():
        raise DocumentRefused(name, "the PDF has no text layer (a scan). Send the receipt as a photo (PNG or JPEG).")
    return text
