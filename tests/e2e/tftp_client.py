#!/usr/bin/env python3
"""A small TFTP client for the tests: read requests with options
(blksize, tsize, timeout, windowsize), and misbehaviour on demand.

usage: tftp_client.py HOST PORT FILE OUT [--opt NAME=VALUE]... [--drop-first-ack]
       [--ack-delay SECONDS] [--started PATH] [--bind ADDR] [--quiet]
--started PATH: PATH is created when the first block arrives.
Prints 'OK <bytes> <options>' or 'ERROR <code> <message>'; exit 0 / 1.
"""
import socket
import struct
import sys
import time


def main():
    host, port, name, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    opts, drop, delay, started, bind = {}, False, 0.0, None, None
    args = sys.argv[5:]
    while args:
        a = args.pop(0)
        if a == '--opt':
            k, v = args.pop(0).split('=', 1)
            opts[k] = v
        elif a == '--drop-first-ack':
            drop = True
        elif a == '--ack-delay':
            delay = float(args.pop(0))
        elif a == '--started':
            started = args.pop(0)
        elif a == '--bind':
            bind = args.pop(0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(10)
    if bind:  # another phone's address (127.0.0.0/8 is all loopback)
        s.bind((bind, 0))
    req = struct.pack('>H', 1) + name.encode() + b'\0octet\0'
    for k, v in opts.items():
        req += k.encode() + b'\0' + v.encode() + b'\0'
    s.sendto(req, (host, port))
    data, blksize, window, expected, got_in_window, accepted = b'', 512, 1, 1, 0, {}
    server = None

    def ack(n):
        if delay:
            time.sleep(delay)
        s.sendto(struct.pack('>HH', 4, n & 0xffff), server)

    while True:
        p, addr = s.recvfrom(70000)
        if server is None:
            server = addr
        elif addr != server:
            continue
        op = struct.unpack('>H', p[:2])[0]
        if op == 5:
            code = struct.unpack('>H', p[2:4])[0]
            print('ERROR %d %s' % (code, p[4:].rstrip(b'\0').decode()))
            return 1
        if op == 6:
            parts = p[2:].split(b'\0')[:-1]
            accepted = {parts[i].decode().lower(): parts[i + 1].decode() for i in range(0, len(parts), 2)}
            blksize = int(accepted.get('blksize', 512))
            window = int(accepted.get('windowsize', 1))
            ack(0)
            continue
        if op != 3:
            continue
        blk = struct.unpack('>H', p[2:4])[0]
        if started:
            open(started, 'w').close()
            started = None
        if blk != expected & 0xffff:
            ack(expected - 1)  # out of order: ask again from there
            got_in_window = 0
            continue
        data += p[4:]
        last = len(p) - 4 < blksize
        got_in_window += 1
        expected += 1
        if drop:
            drop = False  # make the server retransmit
            expected -= 1
            data = data[:-(len(p) - 4)] if len(p) > 4 else data
            got_in_window -= 1
            continue
        if last or got_in_window == window:
            ack(expected - 1)
            got_in_window = 0
        if last:
            open(out, 'wb').write(data)
            print('OK %d %s' % (len(data), ' '.join('%s=%s' % kv for kv in sorted(accepted.items()))))
            return 0


sys.exit(main())
