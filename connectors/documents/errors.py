"""Why a file or a row was not taken: messages the user sees, with the facts as fields."""

from __future__ import annotations

from bot.errors import ActionRejected


class DocumentRefused(ActionRejected):
    """The whole file is refused before anything is read into records; nothing is entered."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"I can't take {name!r}: {reason}")
        self.name = name
        self.reason = reason


class OCRUnavailable(DocumentRefused):
    """The Tesseract engine is not installed, so images cannot be read."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(name, f"text recognition is not installed on this server ({detail}). "
                               "Send a PDF with a text layer, or ask an admin to run scripts/install-ocr.sh.")
