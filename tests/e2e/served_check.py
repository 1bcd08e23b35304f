#!/usr/bin/env python3
"""Checks what each TFTP node of a cluster home serves is one whole set:
the ITL parses and verifies (phonetrust show itl), and every signed
configuration (*.sgn) was signed by a certificate that ITL holds as TFTP
(the serial number in its header, §1, against the ITL's TFTP records).
A reset ITL (signed by ITLRecovery: every node gets the publisher's
records, and the phones ask TVS about the rest until the next restart) is
only checked to verify.

usage: served_check.py PHONETRUST HOME [NODE ...]
Prints "NODE: N configurations" per node; exits 1 with the first file that
breaks the rule."""
import json
import os
import subprocess
import sys


def header_serial(path):
    data = open(path, 'rb').read()
    i, end, serial = 0, None, None
    while i + 1 < len(data) and (end is None or i < end):
        tag = data[i]
        if tag == 13:  # PADDING: one byte, no length
            i += 1
            continue
        n = int.from_bytes(data[i + 1:i + 3], 'big')
        v = data[i + 3:i + 3 + n]
        if tag == 2:
            end = int.from_bytes(v, 'big')
        elif tag == 5:
            serial = v.hex()
        if tag in (3, 7, 9):  # containers: their TLVs follow
            i += 3
        else:
            i += 3 + n
    return serial


def main():
    pt, home = sys.argv[1], sys.argv[2]
    root = os.path.join(home, 'tftp')
    nodes = sys.argv[3:] or sorted(n for n in os.listdir(root) if not n.startswith('.'))
    for node in nodes:
        d = os.path.join(root, node)
        itl = os.path.join(d, 'ITLFile.tlv')
        r = subprocess.run([pt, 'show', 'itl', itl, '--json'], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit('%s: the served ITL does not verify: %s' % (node, r.stderr.strip()))
        recs = json.loads(r.stdout)['records']
        tftp = {rec['serial_number'].lower().lstrip('0') for rec in recs if rec['role_name'] == 'TFTP'}
        reset = any(rec.get('signer') and rec['subject_name'].startswith('CN=ITLRECOVERY_') for rec in recs)
        n = 0
        for f in sorted(os.listdir(d)):
            if f.endswith('.sgn'):
                s = (header_serial(os.path.join(d, f)) or '').lstrip('0')
                if s not in tftp and not reset:
                    sys.exit('%s: %s is signed by serial %s, which the served ITL does not hold (TFTP: %s)'
                             % (node, f, s, ', '.join(sorted(tftp))))
                if f.endswith('.cnf.xml.sgn'):
                    n += 1
        print('%s: %d configurations' % (node, n))
    return 0


sys.exit(main())
