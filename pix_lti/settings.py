"""One validated, immutable settings object, built from ``PIX_LTI_*`` environment variables and an optional TOML file.

Precedence: built-in defaults < TOML file named by ``PIX_LTI_CONFIG`` < environment variables < explicit overrides
(tests). Unknown keys and malformed values stop start-up with a message naming every one of them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "PIX_LTI_"
CONFIG_FILE_VARIABLE = "PIX_LTI_CONFIG"
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"


class SettingsError(ValueError):
    """Raised when the configuration is invalid; the message lists every problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Invalid pix_lti configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected a boolean (true/false, 1/0, yes/no, on/off)")


def _parse_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError("expected an integer")
    if isinstance(raw, int):
        return raw
    text = str(raw).strip().replace("_", "")
    if not text.lstrip("-").isdigit():
        raise ValueError("expected an integer")
    return int(text)


def _parse_list(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, (list, tuple)):
        items = [str(x).strip() for x in raw]
    else:
        items = [part.strip() for part in str(raw).split(",")]
    return tuple(x for x in items if x)


def _parse_str(raw: Any) -> str:
    if isinstance(raw, (dict, list, tuple)):
        raise ValueError("expected a string")
    return str(raw)


@dataclass(frozen=True)
class _Spec:
    parse: Callable[[Any], Any]
    doc: str
    choices: tuple[str, ...] | None = None
    minimum: int | None = None


@dataclass(frozen=True)
class Settings:
    """Every setting of the service. Each field's metadata documents it (see ``settings_table``)."""

    env: str = field(default="development", metadata={"spec": _Spec(_parse_str, "Run mode: `development`, `testing` or `production` (production refuses default secrets).", choices=("development", "testing", "production"))})
    secret_key: str = field(default=DEFAULT_SECRET_KEY, metadata={"spec": _Spec(_parse_str, "Signs sessions and CSRF tokens. Required in production (≥ 32 characters, not the default).")})
    database_url: str = field(default="", metadata={"spec": _Spec(_parse_str, "SQLAlchemy URL. Default: SQLite file `instance/pix_lti.sqlite3`. Production: `postgresql+psycopg://user@host/db`.")})
    redis_url: str = field(default="", metadata={"spec": _Spec(_parse_str, "Redis URL (`redis://127.0.0.1:6379/0`). When set, sessions and LTI nonces/launch data live in Redis; otherwise in the database.")})
    public_url: str = field(default="http://127.0.0.1:5000", metadata={"spec": _Spec(_parse_str, "The public base URL (scheme + host) the service is reached at; used for LTI/SAML URLs and secure cookies.")})
    instance_dir: str = field(default=str(DEFAULT_INSTANCE_DIR), metadata={"spec": _Spec(_parse_str, "Folder for the SQLite file, uploaded files and generated keys.")})
    frame_ancestors: tuple[str, ...] = field(default=(), metadata={"spec": _Spec(_parse_list, "Extra origins allowed to frame the service (CSP `frame-ancestors`), comma-separated; registered LMS platforms are added automatically.")})
    proxy_fix: int = field(default=0, metadata={"spec": _Spec(_parse_int, "Number of trusted proxies in front (X-Forwarded-For/Proto/Host/Port); 0 trusts none.", minimum=0)})
    max_content_length: int = field(default=16 * 1024 * 1024, metadata={"spec": _Spec(_parse_int, "Largest accepted request body, in bytes (413 beyond).", minimum=1024)})
    session_lifetime_minutes: int = field(default=480, metadata={"spec": _Spec(_parse_int, "Idle lifetime of a login session, in minutes.", minimum=5)})
    log_format: str = field(default="text", metadata={"spec": _Spec(_parse_str, "`text` or `json` (one JSON object per line, with the request id).", choices=("text", "json"))})
    log_level: str = field(default="INFO", metadata={"spec": _Spec(_parse_str, "Logging level.", choices=("DEBUG", "INFO", "WARNING", "ERROR"))})
    default_locale: str = field(default="fr", metadata={"spec": _Spec(_parse_str, "Language used when the visitor has not chosen one.", choices=("fr", "en"))})
    max_reachable_level: int = field(default=6, metadata={"spec": _Spec(_parse_int, "Highest competence level a student can reach (the référentiel has 8; 7–8 are not open yet).", minimum=1)})
    content_pack: str = field(default="crcn-demo", metadata={"spec": _Spec(_parse_str, "Key of the content pack competence tests and new target profiles use (`crcn-demo`, or the key of an imported Pix release).")})
    timezone: str = field(default="Europe/Paris", metadata={"spec": _Spec(_parse_str, "Time zone in which dates are shown (IANA name).")})
    content_dir: str = field(default=str(PROJECT_ROOT / "content"), metadata={"spec": _Spec(_parse_str, "Folder holding content packs (`content/<pack>/`).")})
    database_pool_size: int = field(default=5, metadata={"spec": _Spec(_parse_int, "Connections kept per worker process (PostgreSQL).", minimum=1)})
    database_connect_timeout: int = field(default=5, metadata={"spec": _Spec(_parse_int, "Seconds to wait for a database connection before failing (health checks answer 503).", minimum=1)})
    certification_mode: str = field(default="v3", metadata={"spec": _Spec(_parse_str, "Certification test: `v3` (IRT flash engine, one ability across competences, fixed length) or `v2` (3 challenges per certifiable competence at the highest level reached).", choices=("v3", "v2"))})
    certification_length: int = field(default=32, metadata={"spec": _Spec(_parse_int, "Number of questions of a v3 certification test.", minimum=8)})

    # ----- derived values -------------------------------------------------------------------------------------------
    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{Path(self.instance_dir) / 'pix_lti.sqlite3'}"

    @property
    def uses_https(self) -> bool:
        return self.public_url.startswith("https://")


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def settings_table() -> list[tuple[str, str, str]]:
    """(environment variable, default, meaning) for the documentation."""
    rows = []
    for f in fields(Settings):
        spec: _Spec = f.metadata["spec"]
        default = f.default
        shown = ", ".join(default) if isinstance(default, tuple) else str(default)
        if f.name == "instance_dir":
            shown = "instance/"
        elif f.name == "content_dir":
            shown = "content/"
        rows.append((ENV_PREFIX + f.name.upper(), shown or "(empty)", spec.doc))
    return rows


def _validate_url(name: str, value: str, schemes: tuple[str, ...], problems: list[str]) -> None:
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        problems.append(f"{ENV_PREFIX}{name.upper()}: {value!r} is not a valid URL ({'/'.join(schemes)})")


def _check_cross_field(values: Mapping[str, Any], problems: list[str]) -> None:
    public_url = values["public_url"]
    _validate_url("public_url", public_url, ("http", "https"), problems)
    if urlsplit(public_url).path not in ("", "/"):
        problems.append(f"{ENV_PREFIX}PUBLIC_URL: must be a scheme and host only, without a path")
    for origin in values["frame_ancestors"]:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
            problems.append(f"{ENV_PREFIX}FRAME_ANCESTORS: {origin!r} is not an origin like https://lms.example.org")
    if values["redis_url"]:
        _validate_url("redis_url", values["redis_url"], ("redis", "rediss", "unix"), problems)
    db_url = values["database_url"]
    if db_url and not db_url.split(":", 1)[0].split("+", 1)[0] in ("sqlite", "postgresql"):
        problems.append(f"{ENV_PREFIX}DATABASE_URL: only sqlite and postgresql URLs are supported")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(values["timezone"])
    except Exception:
        problems.append(f"{ENV_PREFIX}TIMEZONE: {values['timezone']!r} is not a known time zone (e.g. Europe/Paris)")
    if values["max_reachable_level"] > 8:
        problems.append(f"{ENV_PREFIX}MAX_REACHABLE_LEVEL: must be between 1 and 8")
    if values["env"] == "production":
        secret = values["secret_key"]
        if secret == DEFAULT_SECRET_KEY or not secret:
            problems.append(f"{ENV_PREFIX}SECRET_KEY: production refuses the default secret key; set a random value of 32+ characters")
        elif len(secret) < 32:
            problems.append(f"{ENV_PREFIX}SECRET_KEY: too short for production (at least 32 characters)")
        if not db_url:
            problems.append(f"{ENV_PREFIX}DATABASE_URL: required in production (PostgreSQL)")
        if not public_url.startswith("https://"):
            problems.append(f"{ENV_PREFIX}PUBLIC_URL: production must be served over https:// (LTI and SAML need secure cookies)")


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings, reporting every unknown key and malformed value at once."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    raw: dict[str, tuple[Any, str]] = {}  # name -> (value, where it came from)

    config_path = environ.get(CONFIG_FILE_VARIABLE)
    if config_path:
        path = Path(config_path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            problems.append(f"{CONFIG_FILE_VARIABLE}: file {config_path} does not exist")
            data = {}
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{CONFIG_FILE_VARIABLE}: {config_path} is not valid TOML ({exc})")
            data = {}
        section = data.get("pix_lti", data) if isinstance(data.get("pix_lti"), dict) else data
        for key, value in section.items():
            name = key.lower()
            if name not in SETTING_NAMES:
                problems.append(f"{config_path}: unknown setting {key!r}")
            else:
                raw[name] = (value, f"{config_path}: {key}")

    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == CONFIG_FILE_VARIABLE:
            continue
        name = key[len(ENV_PREFIX):].lower()
        if name not in SETTING_NAMES:
            problems.append(f"{key}: unknown setting")
        else:
            raw[name] = (value, key)

    for key, value in (overrides or {}).items():
        name = key.lower()
        if name not in SETTING_NAMES:
            problems.append(f"override {key!r}: unknown setting")
        else:
            raw[name] = (value, f"override {key}")

    values: dict[str, Any] = {f.name: f.default for f in fields(Settings)}
    for f in fields(Settings):
        if f.name not in raw:
            continue
        value, where = raw[f.name]
        spec: _Spec = f.metadata["spec"]
        try:
            parsed = spec.parse(value)
        except ValueError as exc:
            problems.append(f"{where}: {exc} (got {value!r})")
            continue
        if spec.choices is not None:
            if f.name == "log_level":
                parsed = parsed.upper()
            if parsed not in spec.choices:
                problems.append(f"{where}: must be one of {', '.join(spec.choices)} (got {value!r})")
                continue
        if spec.minimum is not None and parsed < spec.minimum:
            problems.append(f"{where}: must be at least {spec.minimum} (got {value!r})")
            continue
        values[f.name] = parsed

    if not problems:
        _check_cross_field(values, problems)
    if problems:
        raise SettingsError(problems)
    return Settings(**values)

