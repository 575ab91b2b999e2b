#!/usr/bin/env python3
"""Oracle: the real libpq's PQconninfoParse() on every input line.

Usage: libpq_parse.py /path/to/libpq.so.5 < inputs.jsonl > outputs.jsonl
Each input line is a JSON string; each output line is a JSON object:
{"ok": [[keyword, value], ...]} or {"err": "message"}. Values and messages
are decoded from bytes with errors="replace" (as the Rust side does).
"""
import ctypes
import json
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


def main():
    lib = ctypes.CDLL(sys.argv[1])
    lib.PQconninfoParse.restype = ctypes.POINTER(Opt)
    lib.PQconninfoParse.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.PQconninfoFree.argtypes = [ctypes.POINTER(Opt)]
    lib.PQfreemem.argtypes = [ctypes.c_void_p]
    out = sys.stdout
    for line in sys.stdin:
        s = json.loads(line)
        err = ctypes.c_void_p()
        r = lib.PQconninfoParse(s.encode("utf-8"), ctypes.byref(err))
        if not r:
            msg = ctypes.cast(err, ctypes.c_char_p).value or b""
            lib.PQfreemem(err)
            out.write(json.dumps({"err": msg.decode("utf-8", "replace").rstrip("\n")}) + "\n")
            continue
        pairs = []
        i = 0
        while r[i].keyword:
            if r[i].val is not None:
                pairs.append([r[i].keyword.decode(), r[i].val.decode("utf-8", "replace")])
            i += 1
        lib.PQconninfoFree(r)
        out.write(json.dumps({"ok": pairs}) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
