from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from intents.cli import register
from intents.evaluate import KEYS
from tests.unit.intents.conftest import write_tiny


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """flowdesk"""

    register(app)
    return app


def test_eval_json_prints_one_object_with_the_spec_keys(tiny_model: Path, tmp_path: Path) -> None:
    data = write_tiny(tmp_path / "d.jsonl")
    data.write_text(data.read_text() + json.dumps({"text": "who wrote Moby Dick", "intent": "out_of_scope"}) + "\n")
    result = CliRunner().invoke(_app(), ["eval", "--data", str(data), "--model", str(tiny_model), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert tuple(metrics) == KEYS
    assert metrics["examples"] == 31 and metrics["intent_accuracy"] >= 0.9


def test_eval_table_shows_intents_and_confusions(tiny_model: Path, tmp_path: Path) -> None:
    data = write_tiny(tmp_path / "d.jsonl")
    result = CliRunner().invoke(_app(), ["eval", "--data", str(data), "--model", str(tiny_model)])
    assert result.exit_code == 0, result.output
    assert "coffee.order" in result.stdout and "intent_accuracy" in result.stdout


def test_train_names_the_bad_line_and_writes_nothing(tmp_path: Path) -> None:
    data = write_tiny(tmp_path / "d.jsonl")
    lines = data.read_text().splitlines()
    lines[4] = '{"intent": "coffee.order"}'
    data.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(_app(), ["train", "--data", str(data), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert f"{data}:5:" in result.stderr and "'text'" in result.stderr
    assert not (tmp_path / "m").exists()


def test_train_refuses_more_frozen_layers_than_the_encoder_has(tmp_path: Path) -> None:
    data = write_tiny(tmp_path / "d.jsonl")
    result = CliRunner().invoke(_app(), ["train", "--data", str(data), "--out", str(tmp_path / "m"),
                                         "--frozen-layers", "7"])
    assert result.exit_code == 2 and "--frozen-layers" in result.output
    assert not (tmp_path / "m").exists()
