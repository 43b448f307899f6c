"""compose.yaml against the Compose Specification schema (vendored by check-jsonschema), and the Dockerfile."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    jsonschema.validate(compose(), schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_two_web_replicas_a_worker_postgres_and_redis_after_migrations() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker"}
    assert services["web"]["deploy"]["replicas"] == 2
    assert services["web"]["command"][0] == "serve" and services["worker"]["command"][0] == "worker"
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        env = services[name]["environment"]
        assert env["FLOWDESK_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["FLOWDESK_REDIS_URL"].startswith("redis://redis:")
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    worker = services["worker"]
    assert worker["command"] == ["worker", "--host", "0.0.0.0", "--port", "9090"]
    assert "9090/readyz" in " ".join(worker["healthcheck"]["test"]), "the worker is health-checked on its own port"


def test_compose_names_only_known_settings() -> None:
    known = {f"FLOWDESK_{name.upper()}" for name in Settings.model_fields}
    used = set(re.findall(r"\bFLOWDESK_[A-Z0-9_]+(?=:)", COMPOSE.read_text()))
    assert used and used <= known, used - known


def test_image_has_cpu_torch_the_model_inside_and_a_non_root_user() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    text = "\n".join(lines)
    assert "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in text
    assert "intents.rebuild" in text and "load_nlu(None)" in text
    final_stage = text.rsplit("\nFROM ", 1)[1]
    user = re.findall(r"^USER (\S+)", final_stage, flags=re.M)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.search(r'^CMD \["serve", "--host", "0.0.0.0"', final_stage, flags=re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "tests"} <= set(ignored)
