#!/usr/bin/env python3
"""A CAPF client for the tests (§6): replays the phone's side of a
transcript in vectors/capf, answering the server's session id, and prints
each message the server sends as hex (one per line), then CLOSED.

usage: capf_client.py HOST PORT TRANSCRIPT.json
"""
import json
import socket
import ssl
import sys


def messages(path):
    """Reassemble a capture into whole messages: (direction, bytes)."""
    out, cur, buf = [], None, b''

    def flush():
        nonlocal buf
        while buf:
            n = 8 + int.from_bytes(buf[6:8], 'big')
            out.append((cur, buf[:n]))
            buf = buf[n:]
    for d, h in json.load(open(path)):
        if d != cur and buf:
            flush()
        cur = d
        buf += bytes.fromhex(h)
    flush()
    return out


def read_msg(tls):
    buf = b''
    while len(buf) < 8:
        b = tls.recv(8 - len(buf))
        if not b:
            return None
        buf += b
    n = int.from_bytes(buf[6:8], 'big')
    while len(buf) < 8 + n:
        b = tls.recv(8 + n - len(buf))
        if not b:
            return None
        buf += b
    return buf


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = ctx.wrap_socket(socket.create_connection((host, port), timeout=20))
    sid = None
    for d, m in messages(path):
        if d == 'S->C':
            got = read_msg(tls)
            if got is None:
                break
            sid = got[2:6]
            print(got.hex(), flush=True)
        else:
            try:
                tls.sendall(m[:2] + (sid or m[2:6]) + m[6:])
            except (ssl.SSLError, OSError):
                break  # the server ended the session earlier than the transcript
    while True:
        try:
            got = read_msg(tls)
        except (ssl.SSLError, OSError):
            got = None
        if got is None:
            break
        print(got.hex(), flush=True)
    print('CLOSED')
    return 0


sys.exit(main())
