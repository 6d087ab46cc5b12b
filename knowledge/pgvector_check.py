"""Refuse to migrate onto a PostgreSQL server that cannot provide the `vector` extension."""

from django.core.management.base import CommandError
from django.db import connections


def require_vector_extension(*, using: str, **kwargs) -> None:
    """pre_migrate receiver: one clear sentence instead of a stack trace from CREATE EXTENSION."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector'),"
            " current_setting('server_version_num')::int / 10000"
        )
        available, major = cursor.fetchone()
    if available:
        return
    where = connection.settings_dict.get("HOST") or "local socket"
    port = connection.settings_dict.get("PORT")
    if port:
        where = f"{where}:{port}"
    raise CommandError(
        f"The PostgreSQL {major} server at {where} has no pgvector extension: install pgvector "
        f"there (for example the Debian package postgresql-{major}-pgvector), or unset "
        f"DATABASE_URL to use the embedded PostgreSQL that ships with voiceai."
    )
