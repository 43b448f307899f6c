"""Builds the Teams app package (manifest + icons, zipped) for sideloading or the admin center.

    python -m bot.adapters.teams.package build [--app-id ID] [--out dist/flowdesk-teams.zip]
    python -m bot.adapters.teams.package icons     # redraws deploy/teams/color.png and outline.png
"""

from __future__ import annotations

import json
import math
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import typer

from bot.config import load_settings
from bot.errors import ConfigError

DEPLOY = Path(__file__).resolve().parents[3] / "deploy" / "teams"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ACCENT = (0x2F, 0x6F, 0xEB)
Pixel = tuple[int, int, int, int]

app = typer.Typer(add_completion=False, help="The flowdesk Teams app package.")


def png(width: int, height: int, pixel: Callable[[float, float], Pixel]) -> bytes:
    """An RGBA PNG; ``pixel(x, y)`` is sampled at pixel centres."""
    rows = b"".join(
        b"\x00" + b"".join(struct.pack("4B", *pixel(x + 0.5, y + 0.5)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    t = max(0.0, min(1.0, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    return math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)))


def _check_mark(size: float) -> Callable[[float, float], float]:
    """Coverage (0..1) of a check mark scaled to a ``size`` square, anti-aliased."""
    points = [(0.27, 0.53), (0.43, 0.69), (0.74, 0.34)]
    width = 0.075 * size

    def coverage(x: float, y: float) -> float:
        d = min(_segment_distance(x, y, (points[i][0] * size, points[i][1] * size),
                                  (points[i + 1][0] * size, points[i + 1][1] * size)) for i in range(2))
        return max(0.0, min(1.0, width - d + 0.5))

    return coverage


def color_icon() -> bytes:
    """192x192: the check mark in white on the accent colour (full bleed, as Teams asks)."""
    mark = _check_mark(192)

    def pixel(x: float, y: float) -> Pixel:
        c = mark(x, y)
        r, g, b = (round(channel + (255 - channel) * c) for channel in ACCENT)
        return r, g, b, 255

    return png(192, 192, pixel)


def outline_icon() -> bytes:
    """32x32: the check mark in white on transparency (Teams tints it)."""
    mark = _check_mark(32)
    return png(32, 32, lambda x, y: (255, 255, 255, round(255 * mark(x, y))))


def _version() -> str:
    try:
        return version("flowdesk")
    except PackageNotFoundError:
        return "0.1.0"


def manifest(app_id: str, source: Path = DEPLOY / "manifest.json") -> str:
    """The manifest with the bot's app id and the package version filled in."""
    if not GUID.match(app_id):
        raise ConfigError("FLOWDESK_TEAMS_APP_ID", f"the Teams app id must be a GUID (got {app_id!r})")
    text = source.read_text(encoding="utf-8").replace("{{TEAMS_APP_ID}}", app_id).replace("{{VERSION}}", _version())
    json.loads(text)
    return text


def build(app_id: str, out: Path, source: Path = DEPLOY) -> Path:
    """Write the zip Teams accepts: manifest.json, color.png and outline.png at its root."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest(app_id, source / "manifest.json"))
        for name, draw in (("color.png", color_icon), ("outline.png", outline_icon)):
            icon = source / name
            archive.writestr(name, icon.read_bytes() if icon.is_file() else draw())
    return out


@app.command("build")
def build_command(
    app_id: str = typer.Option("", help="The bot's Microsoft App ID (default: FLOWDESK_TEAMS_APP_ID)"),
    out: Path = typer.Option(Path("dist/flowdesk-teams.zip"), help="Where to write the package"),
) -> None:
    """Zip the Teams app package."""
    chosen = app_id or load_settings().teams_app_id or ""
    try:
        path = build(chosen, out)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {path} (upload it in Teams: Apps > Manage your apps > Upload an app)")


@app.command("icons")
def icons_command(directory: Path = typer.Option(DEPLOY, help="Where to write the icons")) -> None:
    """Redraw color.png (192x192) and outline.png (32x32)."""
    (directory / "color.png").write_bytes(color_icon())
    (directory / "outline.png").write_bytes(outline_icon())
    typer.echo(f"wrote {directory / 'color.png'} and {directory / 'outline.png'}")


if __name__ == "__main__":
    app()
