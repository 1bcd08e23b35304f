#!/usr/bin/env python3
"""A TVS client for the tests (§5): sends one request over TLS, prints the
reply as hex, or CLOSED when the server closed without replying.

usage: tvs_client.py HOST PORT REQUEST_HEX
       tvs_client.py HOST PORT --json TRANSCRIPT.json   (replays the C->S bytes)
       tvs_client.py HOST PORT --idle SECONDS           (connects and sends nothing)
"""
import json
import socket
import ssl
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((host, port), timeout=10)
    tls = ctx.wrap_socket(raw)
    if sys.argv[3] == '--idle':
        time.sleep(float(sys.argv[4]))
        try:
            got = tls.recv(10)
            print('CLOSED' if not got else got.hex())
        except (ssl.SSLError, OSError):
            print('CLOSED')
        return 0
    if sys.argv[3] == '--json':
        req = ''.join(h for d, h in json.load(open(sys.argv[4])) if d == 'C->S')
    else:
        req = sys.argv[3]
    tls.sendall(bytes.fromhex(req))
    out = b''
    try:
        while True:
            b = tls.recv(65536)
            if not b:
                break
            out += b
    except (ssl.SSLError, OSError):
        pass
    print(out.hex() if out else 'CLOSED')
    return 0


sys.exit(main())
