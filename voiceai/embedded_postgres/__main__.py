"""`python -m voiceai.embedded_postgres status|stop`: inspect or stop the embedded server."""

import sys

from voiceai.embedded_postgres import ensure_running, stop
from voiceai.settings import VAR_DIR

PGDATA = VAR_DIR / "pgdata"


def main(argv: list[str]) -> int:
    action = argv[1] if len(argv) > 1 else "status"
    if action == "stop":
        print("stopped" if stop(PGDATA) else "not running")
        return 0
    if action in {"start", "status"}:
        if action == "status" and not (PGDATA / "postmaster.pid").exists():
            print(f"not running (data folder: {PGDATA})")
            return 0
        print(f"running; socket folder: {ensure_running(PGDATA)}")
        return 0
    print("usage: python -m voiceai.embedded_postgres [start|status|stop]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
