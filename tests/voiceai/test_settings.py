"""Configuration comes from the environment, and a bad value stops start-up with its name."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from voiceai import settings as voiceai_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]


def settings_in_subprocess(env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    """Evaluate `expression` against freshly loaded settings under `env`."""
    clean_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "TWILIO_"))
    }
    clean_env["DJANGO_SETTINGS_MODULE"] = "voiceai.settings"
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("helper", "name", "raw", "message"),
    [
        (lambda n: voiceai_settings.env_bool(n, True), "X_FLAG", "maybe", "X_FLAG must be one of"),
        (lambda n: voiceai_settings.env_int(n, 1), "X_COUNT", "ten", "X_COUNT must be a whole"),
        (lambda n: voiceai_settings.env_int(n, 1, minimum=1), "X_COUNT", "0", "at least 1"),
        (
            lambda n: voiceai_settings.env_url(n, "", schemes={"http", "https"}),
            "X_URL",
            "ftp://example.com",
            "X_URL must be a URL starting with http or https",
        ),
        (
            lambda n: voiceai_settings.env_url(n, "", schemes={"https"}),
            "X_URL",
            "example.com",
            "X_URL must be a URL",
        ),
        (
            lambda n: voiceai_settings.env_choice(n, "local", {"local", "openai"}),
            "X_PROVIDER",
            "cohere",
            "X_PROVIDER must be one of",
        ),
    ],
)
def test_helpers_refuse_bad_values_naming_the_variable(monkeypatch, helper, name, raw, message):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        helper(name)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("off", False), ("0", False), ("", True)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert voiceai_settings.env_bool("X_FLAG", True) is expected


def test_env_url_drops_the_trailing_slash(monkeypatch):
    monkeypatch.setenv("X_URL", "https://voice.example.com/")
    assert voiceai_settings.env_url("X_URL", "", schemes={"https"}) == "https://voice.example.com"


def test_database_url_must_be_postgres():
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL with pgvector is the only"):
        voiceai_settings.database_from_url("sqlite:///db.sqlite3")


def test_database_url_is_parsed_with_a_connect_timeout():
    config = voiceai_settings.database_from_url("postgres://app:s3cret@db.internal:6543/voice")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 6543, "voice")
    assert config["OPTIONS"]["connect_timeout"] == 5


def test_a_bad_variable_stops_start_up_with_its_name():
    result = settings_in_subprocess({"DJANGO_DEBUG": "sometimes"}, "settings.DEBUG")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = settings_in_subprocess({"DJANGO_DEBUG": "false"}, "settings.DEBUG")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_without_redis_the_channel_layer_is_in_memory_and_celery_eager():
    result = settings_in_subprocess(
        {}, "settings.CHANNEL_LAYERS['default']['BACKEND'], settings.CELERY_TASK_ALWAYS_EAGER"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["channels.layers.InMemoryChannelLayer", "True"]


def test_with_redis_the_channel_layer_and_celery_use_it():
    result = settings_in_subprocess(
        {"REDIS_URL": "redis://cache.internal:6379/2"},
        "settings.CHANNEL_LAYERS['default'], settings.CELERY_BROKER_URL, "
        "settings.CELERY_TASK_ALWAYS_EAGER",
    )
    assert result.returncode == 0, result.stderr
    assert "voiceai.channel_layer.RedisChannelLayer" in result.stdout
    assert result.stdout.count("redis://cache.internal:6379/2") == 2
    assert result.stdout.strip().endswith("False")


def test_without_database_url_the_embedded_server_is_used():
    result = settings_in_subprocess({}, "settings.DATABASES['default']['ENGINE']")
    assert result.stdout.strip() == "voiceai.embedded_postgres"


def test_the_public_host_is_always_allowed():
    result = settings_in_subprocess(
        {"PUBLIC_BASE_URL": "https://voice.example.com"}, "settings.ALLOWED_HOSTS"
    )
    assert "voice.example.com" in result.stdout


def test_production_mode_refuses_to_start_without_a_twilio_auth_token():
    result = settings_in_subprocess(
        {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50, "TWILIO_AUTH_TOKEN": ""},
        "settings.DEBUG",
    )
    assert result.returncode != 0
    assert "TWILIO_AUTH_TOKEN must be set when DJANGO_DEBUG is off" in result.stderr


def test_production_mode_starts_with_its_secrets_set():
    result = settings_in_subprocess(
        {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50, "TWILIO_AUTH_TOKEN": "t" * 32},
        "settings.DEBUG",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
