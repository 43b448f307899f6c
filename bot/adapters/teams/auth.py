"""Bot Framework authentication built from flowdesk's settings.

Incoming activities are checked by botbuilder's own classes (issuer, audience =
the app id, keys from the OpenID metadata with the channel's endorsement, the
``serviceurl`` claim). Three gaps of botbuilder 4.17.1 are closed here: every
authentication failure becomes a 401 (botbuilder lets most of them escape as
500), a custom login URL is used without Microsoft's instance discovery, and a
token signed by a newly published key is accepted without waiting a day for the
key cache to expire.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import structlog
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    GovernmentConstants,
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
    ServiceClientCredentialsFactory,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata
from msal import ConfidentialClientApplication

from bot.config import Settings
from bot.errors import AdapterError, ConfigError

log = structlog.get_logger(__name__)

ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
PUBLIC_METADATA = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
MICROSOFT_LOGIN = (
    AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
    GovernmentConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
)


def is_custom_login(url: str | None) -> bool:
    """True for a token authority that is not Microsoft's (sovereign clouds, tests)."""
    return bool(url) and not str(url).lower().startswith(MICROSOFT_LOGIN)


def is_us_government(settings: Settings) -> bool:
    """Azure US Government: keys from login.botframework.azure.us or tokens from login.microsoftonline.us."""
    metadata = urlparse(settings.teams_openid_metadata_url or "").hostname or ""
    login = (settings.teams_login_url or "").lower()
    return metadata.endswith("botframework.azure.us") or login.startswith(GovernmentConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX)


def metadata_url(settings: Settings) -> str:
    """Where the channel's signing keys are announced."""
    if settings.teams_openid_metadata_url:
        return settings.teams_openid_metadata_url
    return GovernmentConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL if is_us_government(settings) else PUBLIC_METADATA


def login_url(settings: Settings) -> str:
    """The authority the bot gets its outgoing tokens from (with a tenant segment)."""
    cloud = GovernmentConstants if is_us_government(settings) else AuthenticationConstants
    tenant = settings.teams_tenant_id or cloud.DEFAULT_CHANNEL_AUTH_TENANT
    url = (settings.teams_login_url or cloud.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX).rstrip("/")
    return url if urlparse(url).path.strip("/") else f"{url}/{tenant}"


def configuration(settings: Settings) -> SimpleNamespace:
    """The configuration object botbuilder's ``ConfigurationBotFrameworkAuthentication`` reads."""
    if not settings.teams_app_id:
        raise ConfigError("FLOWDESK_TEAMS_APP_ID", "the Teams adapter needs the bot's app id")
    values: dict[str, Any] = dict(
        APP_ID=settings.teams_app_id, APP_PASSWORD=settings.teams_app_password or "",
        APP_TYPE="SingleTenant" if settings.teams_tenant_id else "MultiTenant",
        APP_TENANTID=settings.teams_tenant_id,
    )
    if settings.teams_openid_metadata_url or settings.teams_login_url:
        # Any override switches botbuilder to its parameterized authentication, which
        # trusts only what it is given: name the issuer and scope too.
        gov = is_us_government(settings)
        values.update(
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=metadata_url(settings),
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=GovernmentConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER if gov else ISSUER,
            TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=GovernmentConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE if gov else SCOPE,
            TO_CHANNEL_FROM_BOT_LOGIN_URL=login_url(settings),
            TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=(GovernmentConstants if gov else AuthenticationConstants)
            .TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
            OAUTH_URL=GovernmentConstants.OAUTH_URL_GOV if gov else AuthenticationConstants.OAUTH_URL,
        )
    return SimpleNamespace(**values)


class _OfflineAuthorityCredentials(MicrosoftAppCredentials):  # type: ignore[misc]  # untyped SDK
    """App credentials for a custom authority: MSAL without instance discovery."""

    def __init__(self, *, app_id: str, password: str, scope: str, authority: str) -> None:
        super().__init__(app_id, password, oauth_scope=scope)
        self.oauth_endpoint = authority
        self._msal: ConfidentialClientApplication | None = None

    def get_access_token(self, force_refresh: bool = False) -> str:
        if self._msal is None:
            self._msal = ConfidentialClientApplication(
                client_id=self.microsoft_app_id, client_credential=self.microsoft_app_password,
                authority=self.oauth_endpoint, instance_discovery=False,
            )
        scope = self.oauth_scope if self.oauth_scope.endswith("/.default") else f"{self.oauth_scope}/.default"
        token = self._msal.acquire_token_for_client(scopes=[scope])
        if "access_token" not in token:
            raise PermissionError(f"token request failed: {token.get('error')}: {token.get('error_description')}")
        return str(token["access_token"])


class CredentialFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]  # untyped SDK
    """Password credentials for the bot's app id; one cached object per (scope, authority).

    Caching lets MSAL reuse its token instead of asking for a new one on every turn.
    """

    def __init__(self, *, app_id: str, password: str, tenant_id: str | None) -> None:
        self.app_id = app_id
        self.password = password
        self._inner = PasswordServiceClientCredentialFactory(app_id, password, tenant_id)
        self._cache: dict[tuple[str, str], Any] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(app_id) and app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> Any:
        if not await self.is_valid_app_id(app_id):
            raise PermissionError("credentials asked for another app id")
        key = (oauth_scope or SCOPE, login_endpoint or "")
        if key not in self._cache:
            if is_custom_login(login_endpoint):
                self._cache[key] = _OfflineAuthorityCredentials(
                    app_id=app_id, password=self.password, scope=key[0], authority=login_endpoint)
            else:
                self._cache[key] = await self._inner.create_credentials(
                    app_id, oauth_scope, login_endpoint, validate_authority)
        return self._cache[key]


class _RotatingKeys(_OpenIdMetadata):  # type: ignore[misc]  # untyped SDK
    """Signing keys that are fetched again when a token names a key id not yet seen.

    botbuilder means to do this (at most once an hour), but its lookup raises
    IndexError for an unknown key id before the refresh can happen, so a key
    rotated in by the channel was refused until the day-old cache expired.
    A refresh on a miss is still rate-limited, so tokens with made-up key ids
    cannot make every request fetch the keys.
    """

    MISS_REFRESH_INTERVAL = timedelta(minutes=5)

    async def get(self, key_id: str) -> Any:
        if self.last_updated < datetime.now() - timedelta(days=1):
            await self._refresh()
        key = self._find(key_id)
        if key is None and self.last_updated < datetime.now() - self.MISS_REFRESH_INTERVAL:
            await self._refresh()
            key = self._find(key_id)
        return key

    def _find(self, key_id: str) -> Any:
        if not any(k.get("kid") == key_id for k in self.keys):
            return None
        return super()._find(key_id)


def use_rotating_keys(metadata_url: str) -> None:
    """Make botbuilder's process-wide key cache for this URL pick up rotated keys."""
    cached = JwtTokenExtractor.metadataCache.get(metadata_url)
    if not isinstance(cached, _RotatingKeys):
        JwtTokenExtractor.metadataCache[metadata_url] = _RotatingKeys(metadata_url)


def build_authentication(settings: Settings, *, credentials_factory: ServiceClientCredentialsFactory | None = None,
                         ) -> BotFrameworkAuthentication:
    """botbuilder's authentication for these settings."""
    factory = credentials_factory or CredentialFactory(
        app_id=settings.teams_app_id or "", password=settings.teams_app_password or "",
        tenant_id=settings.teams_tenant_id)
    use_rotating_keys(metadata_url(settings))
    return ConfigurationBotFrameworkAuthentication(configuration(settings), credentials_factory=factory)


async def authenticate(auth: BotFrameworkAuthentication, activity: Activity, header: str | None,
                       ) -> AuthenticateRequestResult:
    """The verified identity of the request; any failure is an ``AdapterError`` with status 401."""
    if not header or not header.startswith("Bearer "):
        raise AdapterError("a Bot Framework bearer token is required", status=401)
    try:
        result = await auth.authenticate_request(activity, header)
    except Exception as exc:  # noqa: BLE001 - botbuilder raises many types for bad tokens
        log.info("teams.auth_failed", error=f"{type(exc).__name__}: {exc}")
        raise AdapterError("the Bot Framework token is not valid", status=401) from None
    identity = getattr(result, "claims_identity", None)
    if identity is None or not identity.is_authenticated:
        raise AdapterError("the Bot Framework token is not valid", status=401)
    return result


async def warm_signing_keys(settings: Settings) -> None:
    """Fetch the signing keys in a thread, so the first request does not block the event loop.

    botbuilder fetches them with blocking ``requests`` and caches them for a day.
    """
    url = metadata_url(settings)
    metadata = JwtTokenExtractor.get_open_id_metadata(url)
    try:
        await asyncio.to_thread(lambda: asyncio.run(metadata._refresh()))  # noqa: SLF001
    except Exception as exc:  # noqa: BLE001 - the first request fetches them again
        log.warning("teams.keys_unavailable", url=url, error=str(exc))
