"""Configuration: the contract's names, embedded defaults, and errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


def test_embedded_defaults_need_no_configuration() -> None:
    settings = load_settings({})
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith(".flowdesk/flowdesk.db")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.email_from == "flowdesk@localhost"
    assert not settings.slack_enabled and not settings.teams_enabled


def test_contract_names_are_read_from_the_environment() -> None:
    settings = load_settings({
        "FLOWDESK_DATABASE_URL": "postgresql+asyncpg://db/flowdesk",
        "FLOWDESK_SLACK_SIGNING_SECRET": "s3cret",
        "FLOWDESK_TEAMS_APP_ID": "app",
        "FLOWDESK_SMTP_PORT": "2525",
        "FLOWDESK_SMTP_STARTTLS": "false",
        "FLOWDESK_LOG_FORMAT": "json",
        "FLOWDESK_LOG_LEVEL": "debug",
    })
    assert settings.effective_database_url == "postgresql+asyncpg://db/flowdesk"
    assert settings.slack_enabled and settings.teams_enabled
    assert settings.smtp_port == 2525 and settings.smtp_starttls is False
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"FLOWDESK_SMTP_PORT": "twenty"}, "FLOWDESK_SMTP_PORT"),
        ({"FLOWDESK_SMTP_PORT": "70000"}, "FLOWDESK_SMTP_PORT"),
        ({"FLOWDESK_LOG_FORMAT": "xml"}, "FLOWDESK_LOG_FORMAT"),
        ({"FLOWDESK_LOG_LEVEL": "loud"}, "FLOWDESK_LOG_LEVEL"),
        ({"FLOWDESK_SMTP_STARTTLS": "maybe"}, "FLOWDESK_SMTP_STARTTLS"),
        ({"FLOWDESK_SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "FLOWDESK_SLACK_APP_TOKEN"),
        ({"FLOWDESK_DATABSE_URL": "sqlite+aiosqlite:///x.db"}, "FLOWDESK_DATABSE_URL"),
    ],
)
def test_invalid_or_unknown_values_name_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ)
    assert info.value.variable == variable
    assert str(info.value).startswith(variable)


def test_toml_file_sets_keys_and_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowdesk.toml").write_text('FLOWDESK_EMAIL_FROM = "bot@example.com"\nsmtp_port = 2526\n')
    settings = load_settings({"FLOWDESK_SMTP_PORT": "2527"})
    assert settings.email_from == "bot@example.com"
    assert settings.smtp_port == 2527


def test_broken_config_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flowdesk.yaml").write_text("smtp_port: [unclosed\n")
    with pytest.raises(ConfigError) as info:
        load_settings({})
    assert "flowdesk.yaml" in str(info.value)


def test_cli_exits_2_with_the_variable_named(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "FLOWDESK_SMTP_PORT": "nope", "FLOWDESK_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "FLOWDESK_SMTP_PORT" in result.stderr
