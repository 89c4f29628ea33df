"""Settings for Advieslijn, read once into one immutable object.

Values come from ``config/service.yml`` (or the file named by ``ADVIESLIJN_CONFIG``)
and can be overridden by environment variables. Secrets come from the environment
or from files in ``var/secrets/`` (created by :func:`ensure_secret_files`; the
contact key from ``CONTACT_KEY_FILE`` when set), never from the settings file. Each
process of the stack receives and reads only its own secrets (:data:`PROCESS_SECRETS`;
the process names itself in ``ADVIESLIJN_PROCESS``). Nothing is read at import time:
call :func:`get_settings` (cached) or :func:`load_settings` (uncached, for tests).
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass, fields
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.datafiles import read_mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
AVAILABILITY = ("presence", "always", "never")
# Whether advisers need a second factor in the console (coordinators always do).
SECOND_FACTOR = ("required", "optional")
RATE = re.compile(r"^\d+/(second|minute|hour|day)$")
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:]+\](:\d{1,5})?$")

# Secret name -> environment variable. Files in var/secrets/ carry the lower-case name.
SECRET_VARIABLES = {
    "rasa_token": "RASA_TOKEN",
    "action_secret": "ACTION_SECRET",
    "console_secret_key": "CONSOLE_SECRET_KEY",
    "contact_key": "CONTACT_KEY",
    "telegram_token": "TELEGRAM_TOKEN",
    "telegram_secret_token": "TELEGRAM_SECRET_TOKEN",
    "postgres_password": "POSTGRES_PASSWORD",
    "redis_password": "REDIS_PASSWORD",
    "rabbitmq_password": "RABBITMQ_PASSWORD",
    "log_key": "LOG_KEY",
}
# The secrets the launcher generates when neither the environment nor a file has them.
# The Telegram secret token only matters once TELEGRAM_TOKEN is set; generating it
# means the channel and `make telegram-webhook` agree on it without extra set-up.
GENERATED_SECRETS = (
    "rasa_token",
    "action_secret",
    "console_secret_key",
    "contact_key",
    "telegram_secret_token",
    "log_key",
)
# Which secrets each process of the stack receives from the launcher
# (scripts/serve.py builds each child's environment from this) and may read here;
# asking for any other one is a SettingsError. A process names itself in
# ADVIESLIJN_PROCESS (the launcher sets it; each entry point declares it with
# declare_process). Without a name (the launcher itself, make adviser, make purge,
# make telegram-webhook, tests) every secret can be read: those are operators' tools.
PROCESS_SECRETS: dict[str, frozenset[str]] = {
    # The Rasa server: its HTTP API token (also the JWT secret the console signs
    # with), the action server's secret (sent with every call, endpoints.yml), the
    # Telegram channel, the production stores (config/endpoints.production.yml) and
    # the key of the conversation-id hashes in its log. Never the contact key: the
    # channels and the tracker store only mark cases acute, add live messages and
    # forget conversations, none of which reads a call-back contact.
    "rasa": frozenset(
        {
            "rasa_token",
            "action_secret",
            "telegram_token",
            "telegram_secret_token",
            "postgres_password",
            "redis_password",
            "rabbitmq_password",
            "log_key",
        }
    ),
    # The action server: its own secret (checked on every call) and the contact key
    # (the intake stores call-back contacts encrypted).
    "actions": frozenset({"action_secret", "contact_key", "log_key"}),
    # The console: its session key, the API token to sign its JWTs for Rasa, and
    # the contact key to show call-back contacts to the assigned adviser.
    "console": frozenset({"console_secret_key", "rasa_token", "contact_key", "log_key"}),
    # The demo website serves files: no secret at all.
    "web": frozenset(),
}
PROCESS_VARIABLE = "ADVIESLIJN_PROCESS"
# Where the contact key lives when it is not given as CONTACT_KEY. Default:
# var/secrets/contact_key; in production (the case log is not SQLite) it must lie
# outside the data directory (ADVIESLIJN_VAR), or the processes that hold it refuse
# to start (check_contact_key_location).
CONTACT_KEY_FILE_VARIABLE = "CONTACT_KEY_FILE"


class SettingsError(ValueError):
    """Raised when the configuration file or an environment override is invalid."""


@dataclass(frozen=True)
class ContactDetails:
    """How a professional reaches a human adviser; shown in bot text via variables."""

    phone: str
    email: str
    hours: str


@dataclass(frozen=True)
class ServerSettings:
    """Where each process listens."""

    host: str
    rasa_port: int
    action_port: int
    web_port: int
    console_port: int
    public_rasa_url: str
    # Origins (scheme://host:port) of the web pages allowed to open the widget's socket.
    widget_origins: tuple[str, ...] = ()
    # Reverse proxies (addresses or networks) whose X-Forwarded-For is believed.
    trusted_proxies: tuple[str, ...] = ()


@dataclass(frozen=True)
class HandoffSettings:
    """Office hours and how adviser availability is decided."""

    timezone: ZoneInfo
    office_days: tuple[int, ...]  # 0 = Monday
    opens: time
    closes: time
    availability: str
    presence_seconds: int
    always_open: bool


@dataclass(frozen=True)
class PrivacySettings:
    """Retention periods."""

    conversation_days: int
    case_days: int
    # An intake nobody finished (not acute) is anonymised this many hours after it began.
    intake_hours: int = 24


@dataclass(frozen=True)
class StoreSettings:
    """Where the production profile (config/endpoints.production.yml) keeps its state.

    Rasa reads these from the environment the launcher builds
    (:func:`scripts.serve.stack_environment`); passwords are secrets.
    """

    postgres_host: str
    postgres_port: int
    postgres_user: str
    postgres_db: str
    redis_host: str
    redis_port: int
    redis_lock_db: int
    rabbitmq_host: str
    rabbitmq_port: int
    rabbitmq_user: str
    rabbitmq_queue: str
    rabbitmq_exchange: str

    def environment(self) -> dict[str, str]:
        """Return the variables config/endpoints.production.yml names."""
        return {
            "POSTGRES_HOST": self.postgres_host,
            "POSTGRES_PORT": str(self.postgres_port),
            "POSTGRES_USER": self.postgres_user,
            "POSTGRES_DB": self.postgres_db,
            "REDIS_HOST": self.redis_host,
            "REDIS_PORT": str(self.redis_port),
            "REDIS_LOCK_DB": str(self.redis_lock_db),
            "RABBITMQ_HOST": self.rabbitmq_host,
            "RABBITMQ_PORT": str(self.rabbitmq_port),
            "RABBITMQ_USER": self.rabbitmq_user,
            "RABBITMQ_QUEUE": self.rabbitmq_queue,
            "RABBITMQ_EXCHANGE": self.rabbitmq_exchange,
        }


@dataclass(frozen=True)
class LimitSettings:
    """Limits on the public endpoints (rates in the notation of the ``limits`` package)."""

    max_message_chars: int
    max_body_bytes: int
    per_conversation: str
    per_address: str
    storage: str
    # Cases one conversation may open in 24 hours (acute danger always opens one).
    cases_per_day: int = 3
    # The widget's history_request and session_request, per socket and per address.
    history_per_socket: str = "10/minute"
    history_per_address: str = "60/minute"
    # Events of one conversation session; a longer widget conversation starts afresh.
    max_session_events: int = 1500


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram channel; enabled when a bot token is configured."""

    api_base_url: str
    webhook_url: str

    def method_url(self, token: str, method: str) -> str:
        """Return the Bot API address of one method."""
        return f"{self.api_base_url.rstrip('/')}/bot{token}/{method}"


@dataclass(frozen=True)
class ConsoleSettings:
    """The adviser console's session and login protection."""

    session_minutes: int
    max_failed_logins: int
    lockout_minutes: int
    cookie_secure: bool
    login_rate: str = "10/minute"  # login attempts per client address
    # The longest wait an account's failed logins cause for everyone (all addresses);
    # one address waits up to lockout_minutes.
    account_delay_seconds: int = 60
    # A session ends this many hours after the login, active or not.
    session_max_hours: int = 10
    # "required": advisers, like coordinators, cannot use the console before they set
    # up a second factor (TOTP); "optional": advisers may set one up.
    second_factor_advisers: str = "required"


@dataclass(frozen=True, repr=False, eq=False)
class Secrets:
    """Secrets from the environment or ``var/secrets/``; ``None`` when not configured.

    ``process`` is the process they were read for (:data:`PROCESS_SECRETS`): reading
    a secret that process may not have raises :class:`SettingsError`, also as an
    attribute. ``None`` means an operator's tool, which may read every secret.
    """

    rasa_token: str | None = None
    action_secret: str | None = None
    console_secret_key: str | None = None
    contact_key: str | None = None
    telegram_token: str | None = None
    telegram_secret_token: str | None = None
    postgres_password: str | None = None
    redis_password: str | None = None
    rabbitmq_password: str | None = None
    log_key: str | None = None
    process: str | None = None

    def __getattribute__(self, name: str) -> Any:
        """Return an attribute; a secret only when this process may have it."""
        if name in SECRET_VARIABLES:
            process = object.__getattribute__(self, "process")
            if process is not None and name not in PROCESS_SECRETS.get(process, ()):
                raise SettingsError(
                    f"the {process} process has no access to secret '{name}' "
                    f"(bot/settings.py, PROCESS_SECRETS)"
                )
        return object.__getattribute__(self, name)

    def _values(self) -> tuple[Any, ...]:
        return tuple(object.__getattribute__(self, f.name) for f in fields(self))

    def __eq__(self, other: object) -> bool:
        """Equal when every value and the process are."""
        if not isinstance(other, Secrets):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        """Hash of every value and the process."""
        return hash(self._values())

    def __repr__(self) -> str:
        """Name the process and which of its secrets are set, never a value."""
        allowed: Collection[str] = (
            SECRET_VARIABLES.keys()
            if self.process is None
            else PROCESS_SECRETS.get(self.process, frozenset())
        )
        present = [name for name in SECRET_VARIABLES if name in allowed and getattr(self, name)]
        return f"Secrets(process={self.process!r}, set={present!r})"

    def require(self, name: str) -> str:
        """Return a secret or raise :class:`SettingsError` saying how to set it."""
        value = getattr(self, name)
        if not value:
            raise SettingsError(
                f"secret '{name}' is not set: set {SECRET_VARIABLES[name]} or run 'make run' "
                "once to create var/secrets/"
            )
        return str(value)


@dataclass(frozen=True)
class Settings:
    """All settings of the advice line."""

    root: Path
    var_dir: Path
    contact: ContactDetails
    catalogue_path: Path
    max_results: int
    server: ServerSettings
    database_url: str
    log_level: str
    handoff: HandoffSettings
    privacy: PrivacySettings
    stores: StoreSettings
    limits: LimitSettings
    telegram: TelegramSettings
    console: ConsoleSettings
    secrets: Secrets
    # Where the contact key is read from (and created) when CONTACT_KEY is not set.
    contact_key_file: Path | None = None

    @property
    def rasa_url(self) -> str:
        """Address of the Rasa server for the project's own processes."""
        return f"http://127.0.0.1:{self.server.rasa_port}"

    @property
    def production(self) -> bool:
        """The production profile: the case log is not SQLite (PostgreSQL)."""
        return not self.database_url.startswith("sqlite")


class _Reader:
    """Reads typed values from one section, with environment overrides."""

    def __init__(self, raw: Mapping[str, Any], key: str, env: Mapping[str, str], source: Path):
        value = raw.get(key, {})
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise SettingsError(f"{source}: '{key}' must be a mapping, got {type(value).__name__}")
        self.section = value
        self.env = env
        self.source = source

    def _raw(self, key: str, env_name: str | None, default: Any) -> Any:
        if env_name and env_name in self.env:
            return self.env[env_name]
        return self.section.get(key, default)

    def text(self, key: str, env_name: str | None = None, default: Any = None) -> str:
        value = self._raw(key, env_name, default)
        if not isinstance(value, str) or not value.strip():
            hint = f" (or set {env_name})" if env_name else ""
            raise SettingsError(f"{self.source}: '{key}' must be a non-empty text{hint}")
        return value.strip()

    def optional_text(self, key: str, env_name: str | None = None) -> str:
        value = self._raw(key, env_name, "")
        if value is None:
            return ""
        if not isinstance(value, str):
            raise SettingsError(f"{self.source}: '{key}' must be a text")
        return value.strip()

    def number(self, key: str, env_name: str | None, default: int, low: int, high: int) -> int:
        value = self._raw(key, env_name, default)
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{self.source}: '{key}' must be a whole number") from exc
        if isinstance(value, bool) or not low <= number <= high:
            raise SettingsError(f"{self.source}: '{key}' must be between {low} and {high}")
        return number

    def flag(self, key: str, env_name: str | None, default: bool) -> bool:
        value = self._raw(key, env_name, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "ja"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "nee", ""}:
            return False
        raise SettingsError(f"{self.source}: '{key}' must be true or false")

    def choice(self, key: str, env_name: str | None, default: str, options: tuple[str, ...]) -> str:
        value = self.text(key, env_name, default)
        if value not in options:
            raise SettingsError(f"{self.source}: '{key}' must be one of {', '.join(options)}")
        return value

    def clock(self, key: str, env_name: str | None, default: str) -> time:
        value = self.text(key, env_name, default)
        try:
            return time.fromisoformat(value)
        except ValueError as exc:
            raise SettingsError(f"{self.source}: '{key}' must be a time such as 09:00") from exc

    def rate(self, key: str, env_name: str | None, default: str) -> str:
        value = self.text(key, env_name, default)
        if not RATE.match(value):
            raise SettingsError(f"{self.source}: '{key}' must look like 20/minute")
        return value


def _handoff(reader: _Reader) -> HandoffSettings:
    zone_name = reader.text("timezone", "ADVIESLIJN_TIMEZONE", "Europe/Amsterdam")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"{reader.source}: unknown timezone '{zone_name}'") from exc
    days = reader.section.get("office_days", list(WEEKDAYS[:5]))
    if not isinstance(days, list) or not days or any(d not in WEEKDAYS for d in days):
        raise SettingsError(
            f"{reader.source}: 'office_days' must be a list of {', '.join(WEEKDAYS)}"
        )
    opens = reader.clock("opens", "ADVIESLIJN_OPENS", "09:00")
    closes = reader.clock("closes", "ADVIESLIJN_CLOSES", "17:00")
    if closes <= opens:
        raise SettingsError(f"{reader.source}: 'closes' must be later than 'opens'")
    return HandoffSettings(
        timezone=zone,
        office_days=tuple(sorted(WEEKDAYS.index(d) for d in set(days))),
        opens=opens,
        closes=closes,
        availability=reader.choice(
            "availability", "ADVIESLIJN_AVAILABILITY", "presence", AVAILABILITY
        ),
        presence_seconds=reader.number("presence_seconds", None, 90, 10, 3600),
        always_open=reader.flag("always_open", "ADVIESLIJN_ALWAYS_OPEN", False),
    )


def _trusted_proxies(reader: _Reader) -> tuple[str, ...]:
    """Read ``trusted_proxies`` (``TRUSTED_PROXIES``, comma-separated): IP addresses or networks."""
    raw: Any = reader.env.get("TRUSTED_PROXIES")
    raw = raw.split(",") if isinstance(raw, str) else reader.section.get("trusted_proxies") or []
    if not isinstance(raw, list):
        raise SettingsError(f"{reader.source}: 'trusted_proxies' must be a list of addresses")
    proxies = []
    for item in raw:
        text = str(item).strip()
        if not text:
            continue
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError as exc:
            raise SettingsError(
                f"{reader.source}: trusted_proxies: {text!r} is not an address"
            ) from exc
        proxies.append(text)
    return tuple(proxies)


def _widget_origins(reader: _Reader, host: str, web_port: int) -> tuple[str, ...]:
    """Return the origins allowed to open the widget's socket (default: the demo site)."""
    raw: Any = reader.env.get("WIDGET_ORIGINS")
    raw = raw.split(",") if isinstance(raw, str) else reader.section.get("widget_origins") or []
    if not isinstance(raw, list) or not all(isinstance(o, str) for o in raw):
        raise SettingsError(f"{reader.source}: 'widget_origins' must be a list of origins")
    origins = [o.strip().rstrip("/") for o in raw if o.strip()]
    for origin in origins:
        if not ORIGIN.match(origin):
            raise SettingsError(
                f"{reader.source}: widget origin '{origin}' must look like https://example.nl"
            )
    if not origins:
        origins = [f"http://{host}:{web_port}"]
        if host in {"127.0.0.1", "localhost"}:
            origins += [f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}"]
    return tuple(dict.fromkeys(origins))


def _process(env: Mapping[str, str]) -> str | None:
    """Return the process named in ``ADVIESLIJN_PROCESS`` (``None``: an operator's tool)."""
    name = env.get(PROCESS_VARIABLE, "").strip()
    if not name:
        return None
    if name not in PROCESS_SECRETS:
        raise SettingsError(
            f"{PROCESS_VARIABLE}={name!r} is not a process of the stack "
            f"({', '.join(PROCESS_SECRETS)})"
        )
    return name


def secret_files(var_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Return where each secret's file is: ``var_dir/secrets/<name>``, or ``CONTACT_KEY_FILE``.

    A relative ``CONTACT_KEY_FILE`` is taken from the project root (``ADVIESLIJN_HOME``).
    """
    env = os.environ if environ is None else environ
    paths = {name: var_dir / "secrets" / name for name in SECRET_VARIABLES}
    given = env.get(CONTACT_KEY_FILE_VARIABLE, "").strip()
    if given:
        path = Path(given).expanduser()
        if not path.is_absolute():
            path = Path(env.get("ADVIESLIJN_HOME", str(PROJECT_ROOT))) / path
        paths["contact_key"] = path
    return paths


def _secrets(env: Mapping[str, str], files: Mapping[str, Path], process: str | None) -> Secrets:
    """Read the secrets ``process`` may have (every one for ``None``), no other."""
    allowed = SECRET_VARIABLES.keys() if process is None else PROCESS_SECRETS[process]
    values: dict[str, str | None] = {}
    for name, variable in SECRET_VARIABLES.items():
        if name not in allowed:
            continue
        value = env.get(variable, "").strip()
        path = files[name]
        if not value and path.is_file():
            value = path.read_text(encoding="utf-8").strip()
        values[name] = value or None
    return Secrets(**values, process=process)


def load_settings(
    environ: Mapping[str, str] | None = None, config_path: Path | None = None
) -> Settings:
    """Read the settings file, environment overrides and secrets into :class:`Settings`.

    Args:
        environ: environment to read overrides from; defaults to ``os.environ``.
        config_path: settings file; defaults to ``ADVIESLIJN_CONFIG`` or
            ``config/service.yml`` under the project root.

    Raises:
        SettingsError: when the file is missing, unreadable or holds invalid values.

    """
    env = os.environ if environ is None else environ
    root = Path(env.get("ADVIESLIJN_HOME", str(PROJECT_ROOT)))
    var_dir = Path(env.get("ADVIESLIJN_VAR", str(root / "var")))
    process = _process(env)
    files = secret_files(var_dir, env)
    path = config_path or Path(env.get("ADVIESLIJN_CONFIG", str(root / "config" / "service.yml")))
    raw = read_mapping(path, SettingsError)

    def section(key: str) -> _Reader:
        return _Reader(raw, key, env, path)

    contact, routing, server = section("contact"), section("routing"), section("server")
    catalogue_path = Path(
        section("catalogue").text("path", "ADVIESLIJN_CATALOGUE", "catalogue/catalogue.yml")
    )
    if not catalogue_path.is_absolute():
        catalogue_path = root / catalogue_path

    host = server.text("host", "ADVIESLIJN_HOST", "127.0.0.1")
    rasa_port = server.number("rasa_port", "RASA_PORT", 5005, 1, 65535)
    web_port = server.number("web_port", "WEB_PORT", 8080, 1, 65535)
    database_url = section("database").optional_text("url", "DATABASE_URL")
    limits, privacy = section("limits"), section("privacy")
    telegram, console = section("telegram"), section("console")
    stores = section("stores")

    settings = Settings(
        root=root,
        var_dir=var_dir,
        contact=ContactDetails(
            phone=contact.text("phone", "ADVIESLIJN_PHONE"),
            email=contact.text("email", "ADVIESLIJN_EMAIL"),
            hours=contact.text("hours", "ADVIESLIJN_HOURS"),
        ),
        catalogue_path=catalogue_path,
        max_results=routing.number("max_results", "ADVIESLIJN_MAX_RESULTS", 3, 1, 10),
        server=ServerSettings(
            host=host,
            rasa_port=rasa_port,
            action_port=server.number("action_port", "ACTION_PORT", 5055, 1, 65535),
            web_port=web_port,
            console_port=server.number("console_port", "CONSOLE_PORT", 8000, 1, 65535),
            public_rasa_url=server.optional_text("public_rasa_url", "PUBLIC_RASA_URL")
            or f"http://{host}:{rasa_port}",
            widget_origins=_widget_origins(server, host, web_port),
            trusted_proxies=_trusted_proxies(server),
        ),
        database_url=database_url or f"sqlite:///{var_dir / 'advieslijn.db'}",
        log_level=section("logging").choice(
            "level", "LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
        handoff=_handoff(section("handoff")),
        privacy=PrivacySettings(
            conversation_days=privacy.number(
                "conversation_days", "ADVIESLIJN_CONVERSATION_DAYS", 30, 1, 3650
            ),
            case_days=privacy.number("case_days", "ADVIESLIJN_CASE_DAYS", 365, 1, 3650),
            intake_hours=privacy.number("intake_hours", "ADVIESLIJN_INTAKE_HOURS", 24, 1, 24 * 30),
        ),
        stores=StoreSettings(
            postgres_host=stores.text("postgres_host", "POSTGRES_HOST", "127.0.0.1"),
            postgres_port=stores.number("postgres_port", "POSTGRES_PORT", 5432, 1, 65535),
            postgres_user=stores.text("postgres_user", "POSTGRES_USER", "postgres"),
            postgres_db=stores.text("postgres_db", "POSTGRES_DB", "advieslijn"),
            redis_host=stores.text("redis_host", "REDIS_HOST", "127.0.0.1"),
            redis_port=stores.number("redis_port", "REDIS_PORT", 6379, 1, 65535),
            redis_lock_db=stores.number("redis_lock_db", "REDIS_LOCK_DB", 1, 0, 15),
            rabbitmq_host=stores.text("rabbitmq_host", "RABBITMQ_HOST", "127.0.0.1"),
            rabbitmq_port=stores.number("rabbitmq_port", "RABBITMQ_PORT", 5672, 1, 65535),
            rabbitmq_user=stores.text("rabbitmq_user", "RABBITMQ_USER", "guest"),
            rabbitmq_queue=stores.text("rabbitmq_queue", "RABBITMQ_QUEUE", "advieslijn_events"),
            rabbitmq_exchange=stores.text(
                "rabbitmq_exchange", "RABBITMQ_EXCHANGE", "advieslijn-events"
            ),
        ),
        limits=LimitSettings(
            max_message_chars=limits.number(
                "max_message_chars", "ADVIESLIJN_MAX_MESSAGE_CHARS", 1000, 20, 20000
            ),
            max_body_bytes=limits.number(
                "max_body_bytes", "ADVIESLIJN_MAX_BODY_BYTES", 65536, 1024, 10_000_000
            ),
            per_conversation=limits.rate(
                "per_conversation", "ADVIESLIJN_RATE_CONVERSATION", "20/minute"
            ),
            per_address=limits.rate("per_address", "ADVIESLIJN_RATE_ADDRESS", "120/minute"),
            storage=limits.text("storage", "RATE_LIMIT_STORAGE", "memory://"),
            cases_per_day=limits.number("cases_per_day", "ADVIESLIJN_CASES_PER_DAY", 3, 1, 1000),
            history_per_socket=limits.rate(
                "history_per_socket", "ADVIESLIJN_RATE_HISTORY_SOCKET", "10/minute"
            ),
            history_per_address=limits.rate(
                "history_per_address", "ADVIESLIJN_RATE_HISTORY_ADDRESS", "60/minute"
            ),
            max_session_events=limits.number(
                "max_session_events", "ADVIESLIJN_MAX_SESSION_EVENTS", 1500, 100, 1_000_000
            ),
        ),
        telegram=TelegramSettings(
            api_base_url=telegram.text(
                "api_base_url", "TELEGRAM_API_BASE_URL", "https://api.telegram.org"
            ),
            webhook_url=telegram.optional_text("webhook_url", "TELEGRAM_WEBHOOK_URL"),
        ),
        console=ConsoleSettings(
            session_minutes=console.number(
                "session_minutes", "CONSOLE_SESSION_MINUTES", 30, 1, 24 * 60
            ),
            max_failed_logins=console.number(
                "max_failed_logins", "CONSOLE_MAX_FAILED_LOGINS", 5, 1, 100
            ),
            lockout_minutes=console.number(
                "lockout_minutes", "CONSOLE_LOCKOUT_MINUTES", 15, 1, 24 * 60
            ),
            cookie_secure=console.flag("cookie_secure", "CONSOLE_COOKIE_SECURE", True),
            login_rate=console.rate("login_rate", "CONSOLE_LOGIN_RATE", "10/minute"),
            account_delay_seconds=console.number(
                "account_delay_seconds", "CONSOLE_ACCOUNT_DELAY_SECONDS", 60, 1, 3600
            ),
            session_max_hours=console.number(
                "session_max_hours", "CONSOLE_SESSION_MAX_HOURS", 10, 1, 7 * 24
            ),
            second_factor_advisers=console.choice(
                "second_factor_advisers",
                "CONSOLE_SECOND_FACTOR_ADVISERS",
                "required",
                SECOND_FACTOR,
            ),
        ),
        secrets=_secrets(env, files, process),
        contact_key_file=files["contact_key"],
    )
    if process is not None and "contact_key" in PROCESS_SECRETS[process]:
        check_contact_key_location(settings, env)
    return settings


# A new adviser's password for scripts (``make adviser``); people type it at the prompt.
ADVISER_PASSWORD_VARIABLE = "ADVISER_PASSWORD"


def adviser_password(environ: Mapping[str, str] | None = None) -> str | None:
    """Return the password ``make adviser`` sets from the environment, if one is given."""
    env = os.environ if environ is None else environ
    return env.get(ADVISER_PASSWORD_VARIABLE) or None


def check_contact_key_location(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> None:
    """Refuse a production set-up whose contact key file lies inside the data directory.

    The contact key decrypts every call-back contact in the case log: kept in
    ``var/`` it ends up in the same backups and copies as the data. In production
    (the case log is not SQLite) it must come from ``CONTACT_KEY`` (a secret store)
    or from ``CONTACT_KEY_FILE`` outside ``ADVIESLIJN_VAR``.

    Raises:
        SettingsError: saying where the key is and how to move it.

    """
    env = os.environ if environ is None else environ
    path = settings.contact_key_file
    if not settings.production or path is None or env.get(SECRET_VARIABLES["contact_key"]):
        return
    if _inside(path, settings.var_dir):
        raise SettingsError(
            f"production (DATABASE_URL is not SQLite): the contact key file {path} lies in the "
            f"data directory {settings.var_dir}, with the data it protects; set "
            f"{CONTACT_KEY_FILE_VARIABLE} to a file outside it (e.g. /etc/advieslijn/contact_key, "
            "mode 0600; an existing key moves there with 'mv'), or give the key as CONTACT_KEY"
        )


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def declare_process(name: str, environ: MutableMapping[str, str] | None = None) -> None:
    """Name this process (``ADVIESLIJN_PROCESS``) so that it reads only its own secrets.

    Each entry point calls this before reading the settings; a process started by
    the launcher has the name already.

    Raises:
        SettingsError: for an unknown name, or when the environment names another process.

    """
    if name not in PROCESS_SECRETS:
        raise SettingsError(f"unknown process {name!r} ({', '.join(PROCESS_SECRETS)})")
    env = os.environ if environ is None else environ
    given = env.get(PROCESS_VARIABLE, "").strip()
    if given and given != name:
        raise SettingsError(f"{PROCESS_VARIABLE} is {given!r}, but this is the {name} process")
    env[PROCESS_VARIABLE] = name
    get_settings.cache_clear()


def ensure_secret_files(var_dir: Path, environ: Mapping[str, str] | None = None) -> list[Path]:
    """Create the generated secrets (mode 0600 from the start) unless already set.

    They go to ``var_dir/secrets`` (mode 0700), the contact key to ``CONTACT_KEY_FILE``
    when that is set. A secret given in the environment is left alone; an existing
    file is kept, so restarts keep the same tokens and encryption key. Returns the
    files it created.
    """
    env = os.environ if environ is None else environ
    secret_dir = var_dir / "secrets"
    secret_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret_dir.chmod(0o700)  # a folder made by an older version, or under another umask
    files = secret_files(var_dir, env)
    created = []
    for name in GENERATED_SECRETS:
        path = files[name]
        if env.get(SECRET_VARIABLES[name]) or (path.is_file() and path.read_text().strip()):
            continue
        old = secret_dir / name
        if name == "contact_key" and old != path and old.is_file() and old.read_text().strip():
            # A new key could not read a single stored contact: move the old one instead.
            raise SettingsError(
                f"{CONTACT_KEY_FILE_VARIABLE} names {path}, which does not exist, while the "
                f"contact key the stored call-back contacts need is in {old}: move it there "
                f"('mv {old} {path}') instead of starting with a new key"
            )
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        value = _new_fernet_key() if name == "contact_key" else secrets.token_urlsafe(32)
        write_secret_file(path, value)
        created.append(path)
    return created


def write_secret_file(path: Path, value: str) -> None:
    """Write a secret to ``path`` atomically, readable by the owner only from its creation.

    The value goes to a new file beside ``path``, created with ``O_EXCL`` and mode
    0600 by ``os.open`` (never widened and then narrowed with chmod), flushed to
    disk and then put in place: linked when ``path`` does not exist (so a secret
    another process created meanwhile is kept), or renamed over an empty leftover.
    A crash leaves either no file or the whole one, never half a secret.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(temporary, flags, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            if path.is_file() and not path.read_text(encoding="utf-8").strip():
                os.replace(temporary, path)  # an empty leftover: replace it whole
        except OSError:
            os.replace(temporary, path)  # a file system without hard links
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a new directory entry durable (best effort: not every system allows it)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode("ascii")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read on first use."""
    return load_settings()
