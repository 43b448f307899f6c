"""The registry page of the console: versions listed with their facts; promotion guarded by the
evaluation file recorded with the candidate (force to skip), rollback; protected like the console."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.lifecycle.registry import ModelRegistry
from tests.unit.console.conftest import Factory
from tests.unit.intents.conftest import TINY, tiny_model  # noqa: F401 - the trained model, shared per session
from tests.unit.lifecycle.test_registry import fake_model


def copy_as(model: Path, root: Path, version: str, *, scramble: bool = False) -> Path:
    """The trained model under another version; ``scramble`` swaps two intents' vectors (a worse model)."""
    out = root / version
    shutil.copytree(model, out)
    manifest = json.loads((out / "model.json").read_text())
    (out / "model.json").write_text(json.dumps({**manifest, "version": version}))
    if scramble:
        vectors = np.load(out / "head.npz")["vectors"]
        np.savez(out / "head.npz", vectors=vectors[[1, 0, *range(2, len(vectors))]])
    return out


@pytest.fixture
def evaluation(tmp_path: Path) -> Path:
    path = tmp_path / "team-eval.jsonl"
    path.write_text("".join(json.dumps({"text": t, "intent": i}) + "\n" for i, texts in TINY.items() for t in texts[:4]))
    return path


async def test_versions_are_listed_then_promoted_under_the_guard_and_rolled_back(
        console: Factory, data_dir: Path, tmp_path: Path, tiny_model: Path, evaluation: Path) -> None:  # noqa: F811
    async with console() as c:
        registry = ModelRegistry(c.runtime.database, data_dir)
        guarded = {"eval_file": str(evaluation)}
        await registry.register(copy_as(tiny_model, tmp_path, "good"), metrics={**guarded, "intent_accuracy": 0.97})
        await registry.register(copy_as(tiny_model, tmp_path, "worse", scramble=True), metrics=guarded)
        await registry.register(fake_model(tmp_path, "unmeasured", sha="d3"))

        page = await c.client.get("/console/models")
        assert page.status == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert "<title>flowdesk console — models</title>" in await page.text()
        for asset in ("models.js", "models.css"):
            assert (await c.client.get(f"/console/models/static/{asset}")).status == 200
        assert (await c.client.get("/console/models/static/../models_page.py")).status == 404

        listing = await (await c.client.get("/console/api/models")).json()
        assert listing["serving"] is None and listing["history"] == []
        unmeasured, good, worse = listing["versions"]  # oldest first
        assert (good["version"], good["metrics"]["intent_accuracy"], good["eval_file"]) == ("good", 0.97, str(evaluation))
        assert good["stored_bytes"] == sum(p.stat().st_size for p in (tmp_path / "good").rglob("*") if p.is_file())
        assert unmeasured["data_sha256"] == "d3" and unmeasured["created_at"].startswith("2026-11-23T10:00")

        promote = lambda **body: c.client.post("/console/api/models/promote", json=body)  # noqa: E731
        assert (await promote(version="good")).status == 200
        refused = await promote(version="worse", margin=0.02)
        assert refused.status == 409
        body = await refused.json()
        assert "intent_accuracy" in body["regressions"] and "promote anyway" in body["error"]
        assert body["regressions"]["intent_accuracy"]["candidate"] < body["regressions"]["intent_accuracy"]["serving"]
        assert (await promote(version="unmeasured")).status == 409  # no evaluation file to guard it
        forced = await promote(version="worse", force=True)
        assert forced.status == 200 and (await forced.json())["previous"] == "good"

        listing = await (await c.client.get("/console/api/models")).json()
        assert listing["serving"] == "worse" and [v["serving"] for v in listing["versions"]] == [False, False, True]
        assert [(h["kind"], h["version"], h["forced"]) for h in listing["history"]] == [
            ("promote", "worse", True), ("promote", "good", False)]

        rollback = lambda: c.client.post("/console/api/models/rollback", json={})  # noqa: E731
        assert (await (await rollback()).json()) == {"version": "good"}
        assert (await (await rollback()).json()) == {"version": None}  # the configured model again
        again = await rollback()
        assert again.status == 409 and "nothing to roll back" in (await again.json())["error"]


async def test_bad_requests_change_nothing(console: Factory, data_dir: Path, tmp_path: Path) -> None:
    async with console() as c:
        await ModelRegistry(c.runtime.database, data_dir).register(fake_model(tmp_path, "v1"))
        url = "/console/api/models/promote"
        assert (await c.client.post(url, json={"version": "nope", "force": True})).status == 404
        assert (await c.client.post(url, json={"version": "v1", "force": "yes"})).status == 400
        assert (await c.client.post(url, json={"version": "v1", "force": True, "margin": 5})).status == 400
        assert (await c.client.post(url, json=["v1"])).status == 400
        assert (await c.client.post(url, data="version=v1&force=true",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})).status == 415
        assert (await c.client.post(url, json={"version": "v1", "force": True},
                                    headers={"Origin": "https://evil.example"})).status == 403
        listing = await (await c.client.get("/console/api/models")).json()
        assert listing["serving"] is None and listing["history"] == []


async def test_off_loopback_the_page_needs_the_token(console: Factory) -> None:
    async with console(host="0.0.0.0") as c:
        assert (await c.client.get("/console/models")).status == 403
        assert (await c.client.post("/console/api/models/rollback", json={})).status == 403
    async with console(host="0.0.0.0", token="s3cret-token") as c:
        assert (await c.client.get("/console/api/models")).status == 401
        assert (await c.client.post("/console/api/models/rollback", json={})).status == 401
        bearer = {"Authorization": "Bearer s3cret-token"}
        assert (await c.client.get("/console/api/models", headers=bearer)).status == 200
        login = await c.client.get("/console/models", params={"token": "s3cret-token"}, allow_redirects=False)
        assert login.status == 303 and login.headers["Location"] == "/console/models"
        assert (await c.client.get("/console/models")).status == 200  # the cookie now
