#!/usr/bin/env python3
"""Oracle: the real libpq's defaults (service file > environment > compiled).

Usage: libpq_defaults.py /path/to/libpq.so.5 < cases.jsonl > outcomes.jsonl
Each case: {"conninfo": str, "env": {name: value}}. The process environment
is replaced by `env` for the call (plus PATH). PQconnectStartParams() with
expand_dbname applies libpq's defaults and option checks without blocking
(cases use no DNS names); PQconninfo() then shows the values libpq uses.
Outcome: {"ok": {keyword: value}} or {"err": first line of the message}.
"""
import ctypes
import json
import os
import sys


class Opt(ctypes.Structure):
    _fields_ = [
        ("keyword", ctypes.c_char_p),
        ("envvar", ctypes.c_char_p),
        ("compiled", ctypes.c_char_p),
        ("val", ctypes.c_char_p),
        ("label", ctypes.c_char_p),
        ("dispchar", ctypes.c_char_p),
        ("dispsize", ctypes.c_int),
    ]


KEYS = ["sslmode", "host", "hostaddr", "port", "user", "dbname", "sslrootcert", "application_name"]
CONNECT_FAILURES = ("connection to server", "No such file or directory", "Connection refused", "could not connect")


def main():
    lib = ctypes.CDLL(sys.argv[1])
    lib.PQconnectStartParams.restype = ctypes.c_void_p
    lib.PQconnectStartParams.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p), ctypes.c_int]
    lib.PQstatus.argtypes = [ctypes.c_void_p]
    lib.PQerrorMessage.restype = ctypes.c_char_p
    lib.PQerrorMessage.argtypes = [ctypes.c_void_p]
    lib.PQconninfo.restype = ctypes.POINTER(Opt)
    lib.PQconninfo.argtypes = [ctypes.c_void_p]
    lib.PQconninfoFree.argtypes = [ctypes.POINTER(Opt)]
    lib.PQfinish.argtypes = [ctypes.c_void_p]
    path = os.environ.get("PATH", "")
    for line in sys.stdin:
        case = json.loads(line)
        os.environ.clear()
        os.environ["PATH"] = path
        for k, v in case["env"].items():
            os.environ[k] = v
        kw = (ctypes.c_char_p * 2)(b"dbname", None)
        vals = (ctypes.c_char_p * 2)(case["conninfo"].encode(), None)
        conn = lib.PQconnectStartParams(kw, vals, 1)
        msg = (lib.PQerrorMessage(conn) or b"").decode("utf-8", "replace")
        first = msg.strip().split("\n")[0] if msg.strip() else ""
        if lib.PQstatus(conn) == 1 and first and not any(f in msg for f in CONNECT_FAILURES):
            out = {"err": first}
        else:
            opts = lib.PQconninfo(conn)
            got = {}
            i = 0
            while opts[i].keyword:
                k = opts[i].keyword.decode()
                if k in KEYS and opts[i].val is not None:
                    got[k] = opts[i].val.decode("utf-8", "replace")
                i += 1
            lib.PQconninfoFree(opts)
            out = {"ok": got}
        lib.PQfinish(conn)
        sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
