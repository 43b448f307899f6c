"""A registered model's files, kept in the database so every replica can serve it.

Registering stores each file of the model directory (size, SHA-256, bytes in chunks)
in the transaction that records the version. A replica whose data dir lacks a promoted
version writes the directory from the database before loading it: into a temporary
directory first, checked against the recorded sizes and hashes, then renamed into place
in one step, so a half-written directory is never loaded and two processes sharing a
data dir cannot interleave.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import uuid
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BotError
from bot.lifecycle.tables import model_file_chunks, model_files
from bot.storage import Database

CHUNK = 1024 * 1024
"""Bytes per chunk row: small enough for any driver's parameter, few rows per model."""
CHUNKS_PER_READ = 16


class ModelFilesError(BotError):
    """The database holds no usable copy of a version's files."""


async def store(session: AsyncSession, version: str, model_dir: Path) -> int:
    """Add every file under ``model_dir`` to the caller's transaction; returns the bytes stored."""
    total = 0
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        name = path.relative_to(model_dir).as_posix()
        digest, size, seq = hashlib.sha256(), 0, 0
        with path.open("rb") as handle:
            while data := await asyncio.to_thread(handle.read, CHUNK):
                digest.update(data)
                size += len(data)
                await session.execute(model_file_chunks.insert().values(version=version, path=name, seq=seq, data=data))
                seq += 1
        await session.execute(model_files.insert().values(version=version, path=name, size=size,
                                                          sha256=digest.hexdigest()))
        total += size
    return total


async def stored_sizes(database: Database) -> dict[str, int]:
    """Bytes kept in the database per version (versions without files are absent)."""
    async with database.sessions() as session:
        rows = (await session.execute(sa.select(model_files.c.version, sa.func.sum(model_files.c.size))
                                      .group_by(model_files.c.version))).all()
    return {str(version): int(size or 0) for version, size in rows}


async def materialise(database: Database, version: str, target: Path) -> bool:
    """Write ``version``'s files from the database into ``target``; False when it has none there.

    ``target`` appears complete or not at all (written beside it, checked, then renamed).
    """
    async with database.sessions() as session:
        files = (await session.execute(sa.select(model_files).where(model_files.c.version == version)
                                       .order_by(model_files.c.path))).all()
    if not files:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
    try:
        for row in files:
            await _write_file(database, version, row, partial / _safe(row.path))
        try:
            os.rename(partial, target)
        except OSError:
            if not (target / _safe(files[0].path)).exists():  # not a finished copy by another process
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return True


async def _write_file(database: Database, version: str, row: sa.Row, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest, size, seq = hashlib.sha256(), 0, 0
    with dest.open("wb") as out:
        while True:
            async with database.sessions() as session:
                chunks = (await session.execute(
                    sa.select(model_file_chunks.c.data).where(
                        model_file_chunks.c.version == version, model_file_chunks.c.path == row.path,
                        model_file_chunks.c.seq >= seq, model_file_chunks.c.seq < seq + CHUNKS_PER_READ)
                    .order_by(model_file_chunks.c.seq))).scalars().all()
            for data in chunks:
                digest.update(data)
                size += len(data)
                await asyncio.to_thread(out.write, data)
            seq += CHUNKS_PER_READ
            if len(chunks) < CHUNKS_PER_READ:
                break
    if size != row.size or digest.hexdigest() != row.sha256:
        raise ModelFilesError(f"the database copy of {row.path} in version {version} is damaged "
                              f"({size} bytes, expected {row.size}, or its SHA-256 differs)")


def copy_into(source: Path, target: Path) -> None:
    """Copy a model directory to ``target`` so that it appears complete or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{target.name}.{uuid.uuid4().hex}.partial"
    try:
        shutil.copytree(source, partial)
        if target.exists():
            shutil.rmtree(target)
        os.rename(partial, target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _safe(name: str) -> Path:
    """A stored file name as a path inside the version's directory (never outside it)."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(part in ("", ".", "..") for part in path.parts):
        raise ModelFilesError(f"refusing the stored file name {name!r}")
    return Path(*path.parts)
