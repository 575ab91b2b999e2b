"""Connect with asyncpg: argv[1] DSN, optional argv[2] the ssl= argument; print the outcome as JSON."""
import asyncio
import json
import sys

import asyncpg


async def main():
    kwargs = {"timeout": 10}
    if len(sys.argv) > 2:
        kwargs["ssl"] = sys.argv[2]
    try:
        conn = await asyncpg.connect(sys.argv[1], **kwargs)
        ssl = await conn.fetchval("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
        await conn.close()
        print(json.dumps({"ok": True, "ssl": ssl}))
    except Exception as e:  # noqa: BLE001 - every failure is an outcome
        print(json.dumps({"ok": False, "error": f"{type(e).__name__}: {e}"}))


asyncio.run(main())
