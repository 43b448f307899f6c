"""Text recognition of receipt images with Tesseract, through pytesseract.

Images are decoded by Pillow with a pixel limit (no decompression bombs),
turned grey, enlarged when small, straightened when photographed a little
askew, sharpened, reduced to black and white (Otsu's threshold drops paper texture and
noise) and read by Tesseract as one block of text.
"""

from __future__ import annotations

import io
import shutil
import warnings

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from connectors.documents.errors import DocumentRefused, OCRUnavailable

CONFIG = "--oem 1 --psm 6"
"""LSTM engine, one uniform block of text: keeps a receipt's price on the line of its label."""
MIN_WIDTH = 1200
ANGLES = tuple(a / 2 for a in range(-16, 17))
"""Skew angles tried when straightening, in degrees (-8 to 8 by half a degree)."""


def unavailable() -> str | None:
    """None when Tesseract can run here, else why not (for messages and test skips)."""
    if shutil.which("tesseract") is None:
        return "the tesseract program is not on PATH (Debian: apt-get install tesseract-ocr)"
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception as exc:  # noqa: BLE001 - any failure to start it means it cannot be used
        return f"tesseract does not start: {exc}"
    return None


def load_image(name: str, data: bytes, *, max_pixels: int) -> Image.Image:
    """Decode an image safely: size checked before the pixels are read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > max_pixels:
                raise DocumentRefused(name, f"the image is {image.width}x{image.height} pixels, more than I read.")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise DocumentRefused(name, f"the image is corrupt or unreadable ({type(exc).__name__}).") from None
    return ImageOps.exif_transpose(image)


def prepare(image: Image.Image) -> Image.Image:
    """Grey, enlarged to a size Tesseract reads well, denoised, sharpened, straightened, black and white.

    Sharpening before the threshold keeps a slightly blurred 0 from closing into a 6 or 8.
    """
    grey = ImageOps.grayscale(image)
    if grey.width < MIN_WIDTH:
        scale = MIN_WIDTH / grey.width
        grey = grey.resize((MIN_WIDTH, round(grey.height * scale)), Image.Resampling.LANCZOS)
    grey = ImageOps.autocontrast(grey.filter(ImageFilter.MedianFilter(3)), cutoff=1)
    grey = grey.filter(ImageFilter.UnsharpMask(radius=2, percent=150, threshold=3))
    angle = skew_angle(grey)
    if angle:
        grey = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    threshold = otsu_threshold(grey)
    return grey.point(lambda v: 255 if v > threshold else 0)


def otsu_threshold(grey: Image.Image) -> int:
    """The grey level that best separates ink from paper (maximum between-class variance)."""
    counts = np.bincount(np.asarray(grey, dtype=np.uint8).ravel(), minlength=256).astype(np.float64)
    share = counts / counts.sum()
    below = np.cumsum(share)
    mean_below = np.cumsum(share * np.arange(256))
    between = (mean_below[-1] * below - mean_below) ** 2 / (below * (1 - below) + 1e-12)
    return int(np.argmax(between))


def skew_angle(grey: Image.Image) -> float:
    """The rotation that makes text lines horizontal: where row sums of ink vary the most."""
    small = grey.copy()
    small.thumbnail((600, 600))
    ink = (np.asarray(small, dtype=np.float32) < 128).astype(np.uint8) * 255
    inked = Image.fromarray(ink)
    best, best_score = 0.0, -1.0
    for angle in ANGLES:
        rows = np.asarray(inked.rotate(angle, expand=True), dtype=np.float32).sum(axis=1)
        score = float(np.var(rows))
        if score > best_score:
            best, best_score = angle, score
    return best


def recognise(name: str, data: bytes, *, max_pixels: int) -> str:
    """The text of a receipt image; blocking (run it in a thread)."""
    reason = unavailable()
    if reason:
        raise OCRUnavailable(name, reason)
    import pytesseract

    image = prepare(load_image(name, data, max_pixels=max_pixels))
    return str(pytesseract.image_to_string(image, lang="eng", config=CONFIG, timeout=60))
