from __future__ import annotations

from pathlib import Path

import pytest

from pix_lti.settings import DEFAULT_SECRET_KEY, SettingsError, load_settings, settings_table

GOOD_PRODUCTION = {
    "PIX_LTI_ENV": "production",
    "PIX_LTI_SECRET_KEY": "x" * 48,
    "PIX_LTI_DATABASE_URL": "postgresql+psycopg://pix@db/pix",
    "PIX_LTI_PUBLIC_URL": "https://pix.example.org",
}


def problems(environ: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as info:
        load_settings(environ)
    return info.value.problems


def test_defaults_are_a_usable_development_setup() -> None:
    settings = load_settings({})
    assert settings.env == "development"
    assert settings.resolved_database_url.startswith("sqlite:///") and settings.resolved_database_url.endswith("pix_lti.sqlite3")
    assert settings.default_locale == "fr"
    assert settings.max_reachable_level == 6


def test_settings_are_immutable() -> None:
    settings = load_settings({})
    with pytest.raises(AttributeError):
        settings.env = "production"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PIX_LTI_SECRETKEY": "x"}, "PIX_LTI_SECRETKEY: unknown setting"),
        ({"PIX_LTI_PROXY_FIX": "two"}, "PIX_LTI_PROXY_FIX: expected an integer (got 'two')"),
        ({"PIX_LTI_PROXY_FIX": "-1"}, "PIX_LTI_PROXY_FIX: must be at least 0"),
        ({"PIX_LTI_MAX_CONTENT_LENGTH": "10"}, "PIX_LTI_MAX_CONTENT_LENGTH: must be at least 1024"),
        ({"PIX_LTI_ENV": "staging"}, "PIX_LTI_ENV: must be one of development, testing, production"),
        ({"PIX_LTI_LOG_FORMAT": "xml"}, "PIX_LTI_LOG_FORMAT: must be one of text, json"),
        ({"PIX_LTI_DEFAULT_LOCALE": "de"}, "PIX_LTI_DEFAULT_LOCALE: must be one of fr, en"),
        ({"PIX_LTI_PUBLIC_URL": "pix.example.org"}, "PIX_LTI_PUBLIC_URL: 'pix.example.org' is not a valid URL"),
        ({"PIX_LTI_PUBLIC_URL": "https://pix.example.org/app"}, "PIX_LTI_PUBLIC_URL: must be a scheme and host only"),
        ({"PIX_LTI_FRAME_ANCESTORS": "https://ok.example,javascript:x"}, "PIX_LTI_FRAME_ANCESTORS: 'javascript:x' is not an origin"),
        ({"PIX_LTI_REDIS_URL": "http://redis"}, "PIX_LTI_REDIS_URL: 'http://redis' is not a valid URL"),
        ({"PIX_LTI_DATABASE_URL": "mysql://x/y"}, "PIX_LTI_DATABASE_URL: only sqlite and postgresql URLs are supported"),
        ({"PIX_LTI_MAX_REACHABLE_LEVEL": "9"}, "PIX_LTI_MAX_REACHABLE_LEVEL: must be between 1 and 8"),
    ],
)
def test_each_bad_setting_is_named(environ: dict[str, str], expected: str) -> None:
    assert any(p.startswith(expected) for p in problems(environ)), problems(environ)


def test_every_problem_is_reported_at_once() -> None:
    found = problems({"PIX_LTI_FOO": "1", "PIX_LTI_BAR": "2", "PIX_LTI_PROXY_FIX": "x"})
    assert len(found) == 3


def test_production_refuses_default_secret_and_missing_keys() -> None:
    found = problems({"PIX_LTI_ENV": "production"})
    assert any("SECRET_KEY: production refuses the default secret key" in p for p in found)
    assert any("DATABASE_URL: required in production" in p for p in found)
    assert any("PUBLIC_URL: production must be served over https://" in p for p in found)


def test_production_refuses_short_secret() -> None:
    found = problems({**GOOD_PRODUCTION, "PIX_LTI_SECRET_KEY": "short"})
    assert found == ["PIX_LTI_SECRET_KEY: too short for production (at least 32 characters)"]


def test_production_with_real_secrets_starts() -> None:
    settings = load_settings(GOOD_PRODUCTION)
    assert settings.is_production and settings.uses_https and settings.secret_key != DEFAULT_SECRET_KEY


def test_toml_file_then_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "pix.toml"
    config.write_text('[pix_lti]\nlog_format = "json"\nproxy_fix = 2\nframe_ancestors = ["https://ent.example.org"]\n')
    settings = load_settings({"PIX_LTI_CONFIG": str(config), "PIX_LTI_PROXY_FIX": "1"})
    assert settings.log_format == "json"
    assert settings.proxy_fix == 1
    assert settings.frame_ancestors == ("https://ent.example.org",)


def test_toml_unknown_key_and_bad_value_are_named(tmp_path: Path) -> None:
    config = tmp_path / "pix.toml"
    config.write_text('[pix_lti]\nlog_formatt = "json"\nproxy_fix = "many"\n')
    found = problems({"PIX_LTI_CONFIG": str(config)})
    assert f"{config}: unknown setting 'log_formatt'" in found
    assert any(p.startswith(f"{config}: proxy_fix: expected an integer") for p in found)


def test_toml_file_missing_or_invalid(tmp_path: Path) -> None:
    assert problems({"PIX_LTI_CONFIG": str(tmp_path / "nope.toml")}) == [
        f"PIX_LTI_CONFIG: file {tmp_path / 'nope.toml'} does not exist"]
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = = not toml")
    assert problems({"PIX_LTI_CONFIG": str(bad)})[0].startswith(f"PIX_LTI_CONFIG: {bad} is not valid TOML")


def test_booleans_and_lists_parse() -> None:
    settings = load_settings({"PIX_LTI_FRAME_ANCESTORS": " https://a.example , https://b.example ,"})
    assert settings.frame_ancestors == ("https://a.example", "https://b.example")


def test_example_config_file_is_valid() -> None:
    example = Path(__file__).resolve().parent.parent / "config" / "example.toml"
    settings = load_settings({"PIX_LTI_CONFIG": str(example)})
    assert settings.is_production and settings.redis_url.startswith("redis://")


def test_documentation_table_lists_every_setting() -> None:
    names = [row[0] for row in settings_table()]
    assert "PIX_LTI_SECRET_KEY" in names and "PIX_LTI_DATABASE_URL" in names
    assert all(doc for _, _, doc in settings_table())


def test_unknown_timezone_is_named() -> None:
    assert problems({"PIX_LTI_TIMEZONE": "Mars/Olympus"}) == [
        "PIX_LTI_TIMEZONE: 'Mars/Olympus' is not a known time zone (e.g. Europe/Paris)"]


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _, _ in settings_table() if f"`{name}`" not in readme]
    assert not missing, f"README's configuration table lacks {missing} (regenerate with `pix-lti config table`)"
