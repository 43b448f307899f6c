"""Settings: the only module that reads the environment or configuration files.

Names follow the runtime contract (``FLOWDESK_*``). Sources, strongest first:
the environment, a ``.env`` file, then ``flowdesk.toml`` / ``flowdesk.yaml``
in the working directory (or the file named by ``FLOWDESK_CONFIG_FILE``).
Unknown ``FLOWDESK_*`` names and invalid values fail at start, naming the variable.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.errors import ConfigError

PREFIX = "FLOWDESK_"
_NOT_SETTINGS = {"FLOWDESK_CONFIG_FILE"}


class Settings(BaseSettings):
    """flowdesk's configuration, validated once at start and passed down."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", extra="forbid", frozen=True, case_sensitive=False
    )

    database_url: str | None = None
    data_dir: Path = Path(".flowdesk")
    redis_url: str | None = None
    model_dir: Path | None = None

    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"

    teams_app_id: str | None = None
    teams_app_password: str | None = None
    teams_tenant_id: str | None = None
    teams_openid_metadata_url: str | None = None
    teams_login_url: str | None = None

    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    email_from: str = "flowdesk@localhost"
    email_allowed_domains: tuple[str, ...] = ()

    smtp_cert_bundle: Path | None = None
    email_templates_dir: Path | None = None

    approval_remind_after_hours: float = Field(default=24.0, gt=0)
    approval_expire_after_hours: float = Field(default=24.0 * 7, gt=0)

    console_token: str | None = None
    worker_port: int = Field(default=9090, ge=0, le=65535)
    """``flowdesk worker``'s /healthz, /readyz and /metrics (``FLOWDESK_WORKER_PORT``; 0: none)."""
    rating_buttons: bool = True
    """Thumbs up/down on the bot's replies to what it read (``FLOWDESK_RATING_BUTTONS``)."""
    forms_file: Path | None = None
    cleaning_file: Path | None = None
    documents_max_mb: float = Field(default=10, gt=0, le=100)
    documents_max_rows: int = Field(default=5000, ge=1, le=100_000)
    workflows_dir: Path | None = None

    connectors: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Settings of third-party connectors by connector name (``[connectors.crm]`` in flowdesk.toml)."""

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "console"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("email_allowed_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(d.strip().lower() for d in value.split(",") if d.strip())
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("an app-level token starts with 'xapp-'")
        return value

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'flowdesk.db').resolve()}"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret or self.slack_app_token)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, _FileSource(settings_cls))


class _FileSource(PydanticBaseSettingsSource):
    """Reads flowdesk.toml or flowdesk.yaml; keys may be ``database_url`` or ``FLOWDESK_DATABASE_URL``."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = _config_file()
        if path is None:
            return {}
        raw = _read_config_file(path)
        return {_field_name(key): value for key, value in raw.items()}


def _config_file() -> Path | None:
    named = os.environ.get("FLOWDESK_CONFIG_FILE")
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError("FLOWDESK_CONFIG_FILE", f"no such file: {path}")
        return path
    for candidate in ("flowdesk.toml", "flowdesk.yaml", "flowdesk.yml"):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _read_config_file(path: Path) -> Mapping[str, Any]:
    try:
        if path.suffix == ".toml":
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        else:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(str(path), f"cannot read configuration file: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(str(path), "the configuration file must hold a table of settings")
    return data


def _field_name(key: str) -> str:
    key = key.strip()
    if key.upper().startswith(PREFIX):
        key = key[len(PREFIX):]
    return key.lower()


def _unknown_variables(environ: Mapping[str, str]) -> list[str]:
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    return sorted(
        name for name in environ
        if name.upper().startswith(PREFIX) and name.upper() not in known | _NOT_SETTINGS
    )


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build and validate the settings once; every problem names its variable.

    Raises:
        ConfigError: an unknown ``FLOWDESK_*`` variable, or an invalid value.
    """
    env = os.environ if environ is None else environ
    unknown = _unknown_variables(env)
    if unknown:
        raise ConfigError(unknown[0], "unknown setting (see docs/configuration.md for the names)")
    try:
        if environ is None:
            return Settings(**overrides)
        return _settings_from(environ, overrides)
    except ValidationError as exc:
        raise _config_error(exc) from None


def _settings_from(environ: Mapping[str, str], overrides: Mapping[str, Any]) -> Settings:
    values = {
        name[len(PREFIX):].lower(): value
        for name, value in environ.items() if name.upper().startswith(PREFIX)
        and name.upper() not in _NOT_SETTINGS
    }
    values.update(overrides)
    if isinstance(values.get("connectors"), str):
        try:
            values["connectors"] = json.loads(values["connectors"])
        except ValueError as exc:
            raise ConfigError("FLOWDESK_CONNECTORS", f"must be a JSON object: {exc}") from None
    return Settings(_env_file=None, **values)


def _config_error(exc: ValidationError) -> ConfigError:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    variable = PREFIX + field.upper()
    if error["type"] == "extra_forbidden":
        return ConfigError(variable, "unknown setting")
    return ConfigError(variable, f"{error['msg']} (got {error.get('input')!r})")
