"""Django database backend for the embedded server: PostgreSQL's, with the server started lazily.

Django loads `<ENGINE>.base.DatabaseWrapper`; settings name this package as the ENGINE when
DATABASE_URL is unset. Starting on first connection (not at settings import) keeps commands
that never touch the database, such as `manage.py check`, from starting PostgreSQL.
"""

from django.db.backends.postgresql import base as postgresql

from voiceai.embedded_postgres import ensure_running


class DatabaseWrapper(postgresql.DatabaseWrapper):
    def get_connection_params(self) -> dict:
        socket_dir = ensure_running(self.settings_dict["PGDATA"])
        self.settings_dict["HOST"] = str(socket_dir)
        return super().get_connection_params()
