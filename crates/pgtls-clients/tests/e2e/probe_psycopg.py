"""Connect with psycopg 3 using argv[1] as the conninfo; print the outcome as JSON."""
import json
import sys

import psycopg

try:
    with psycopg.connect(sys.argv[1], connect_timeout=10) as conn:
        ssl = conn.execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()").fetchone()[0]
    print(json.dumps({"ok": True, "ssl": ssl}))
except Exception as e:  # noqa: BLE001 - every failure is an outcome
    print(json.dumps({"ok": False, "error": str(e)}))
