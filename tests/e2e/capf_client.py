#!/usr/bin/env python3
"""A CAPF client for the tests (§6): replays the phone's side of a
transcript in vectors/capf, answering the server's session id, and prints
each message the server sends as hex (one per line), then CLOSED.

usage: capf_client.py HOST PORT TRANSCRIPT.json [--password STRING]
                      [--as DEVICE] [--cert PEM]

The phone's AUTH_RESPONSE can be changed on the way, to play a phone other
than the recorded one:
  --password STRING   sends STRING as the authentication string; A,B,...
                      runs one session per string, back to back
  --as DEVICE         names DEVICE instead of the recorded device
  --cert PEM          authenticates with PEM's certificate (and signs the
                      authentication data with PEM's key, as §6.8.3 says:
                      raw RSA over the SHA-1 and SHA-512 digests)
  --spoil sha1|sha512 with --cert: that one signature is a good signature
                      by the right key, but over other data
With --as alone the recorded certificate stays and the data is signed again
with --cert's key when given, else left as recorded.

A recorded SUDI_DATA (§6.8.4) is signed over the recording's session id, so
it is signed again over the live one, with the key of the vectors' PEM that
holds its certificate (vectors/capf/*.pem, vectors/certs/*.pem):
  --sudi PEM          sends PEM's certificate as the SUDI, signed with its key
  --sudi-sid N        signs the SUDI over session id N, not the live one
  --sudi-spoil sha1|sha512  that one SUDI signature is over other data
  --no-sudi           sends no SUDI_DATA
Past the transcript it reads until the server closes.  --stop-at HEX ends
the session at the first message whose hex starts with HEX (say 5503, a
KEYGEN_REQUEST the transcript does not answer), printing STOPPED, not CLOSED.
"""
import glob
import os
import hashlib
import subprocess
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


E_CERT, E_SIGNED, E_PASSWORD, E_DEVICE, E_SUDI, E_SHA2 = 4, 6, 11, 13, 16, 20


def elements(body):
    out = []
    while body:
        tag, n = body[0], int.from_bytes(body[1:3], 'big')
        out.append((tag, body[3:3 + n]))
        body = body[3 + n:]
    return out


def raw_rsa_sign(pem, digest):
    """§6.8.3: raw RSA over the bare digest; ECDSA (DER) for an EC key."""
    rsa = b'RSA' in subprocess.run(['openssl', 'pkey', '-in', pem, '-noout', '-text'], capture_output=True).stdout[:40]
    opts = ['-pkeyopt', 'rsa_padding_mode:pkcs1'] if rsa else []
    return subprocess.run(['openssl', 'pkeyutl', '-sign', '-inkey', pem] + opts,
                          input=digest, capture_output=True, check=True).stdout


def pem_der(pem):
    return subprocess.run(['openssl', 'x509', '-in', pem, '-outform', 'DER'], capture_output=True, check=True).stdout


def sudi_key(vectors, der):
    """The vectors' PEM whose certificate is der and which holds a key."""
    for pem in sorted(glob.glob(os.path.join(vectors, 'capf', '*.pem')) + glob.glob(os.path.join(vectors, 'certs', '*.pem'))):
        if b'PRIVATE KEY' in open(pem, 'rb').read() and pem_der(pem) == der:
            return pem
    sys.exit('capf_client.py: no key for the recorded SUDI certificate among the vectors')


def sudi_data(old, sid, vectors, pem, spoil=None):
    """SUDI_DATA signed over session id sid (4 bytes, as sent) for this session."""
    der = pem_der(pem) if pem else elements(old)[0][1]  # SUDI items share the element framing
    key = pem or sudi_key(vectors, der)
    data = int.from_bytes(sid, 'big').to_bytes(4, 'little') + der
    s1 = raw_rsa_sign(key, hashlib.sha1(data + (b'!' if spoil == 'sha1' else b'')).digest())
    s3 = raw_rsa_sign(key, hashlib.sha512(data + (b'!' if spoil == 'sha512' else b'')).digest())
    return b''.join(bytes([t]) + len(v).to_bytes(2, 'big') + v for t, v in ((0, der), (1, s1), (3, s3)))


def rewrite_auth(m, password, device, pem, spoil=None, sudi=None):
    """The AUTH_RESPONSE m with the options applied, lengths fixed.
    sudi: (session id, vectors dir, PEM or None, drop, spoil) to sign the SUDI again."""
    els = elements(m[8:])
    get = dict(els)
    if sudi and E_SUDI in get:
        sid, vectors, sudi_pem, drop, sudi_spoil = sudi
        if drop:
            els = [(t, v) for t, v in els if t != E_SUDI]
        else:
            get[E_SUDI] = sudi_data(get[E_SUDI], sid, vectors, sudi_pem, sudi_spoil)
    if device:
        get[E_DEVICE] = device.encode() + b'\0'
    if password is not None:
        get[E_PASSWORD] = password.encode() + b'\0'
    if pem:
        der = subprocess.run(['openssl', 'x509', '-in', pem, '-outform', 'DER'], capture_output=True,
                             check=True).stdout
        get[E_CERT] = bytes([1]) + (len(der) + 2).to_bytes(2, 'big') + bytes([0, 1]) + der
        data = get[E_DEVICE] + get[E_CERT][5:]
        other = data + b'!'
        get[E_SIGNED] = raw_rsa_sign(pem, hashlib.sha1(other if spoil == 'sha1' else data).digest())
        sig = raw_rsa_sign(pem, hashlib.sha512(other if spoil == 'sha512' else data).digest())
        get[E_SHA2] = bytes([3]) + len(sig).to_bytes(2, 'big') + sig
    body = b''
    for tag, _ in els:
        v = get[tag]
        body += bytes([tag]) + len(v).to_bytes(2, 'big') + v
    return m[:6] + len(body).to_bytes(2, 'big') + body


def main():
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    password = device = pem = spoil = sudi_pem = sudi_sid = sudi_spoil = None
    no_sudi = False
    stop_at = None
    args = sys.argv[4:]
    while args:
        a = args.pop(0)
        if a == '--password':
            password = args.pop(0)
        elif a == '--as':
            device = args.pop(0)
        elif a == '--cert':
            pem = args.pop(0)
        elif a == '--spoil':
            spoil = args.pop(0)
        elif a == '--sudi':
            sudi_pem = args.pop(0)
        elif a == '--sudi-sid':
            sudi_sid = int(args.pop(0)).to_bytes(4, 'big')
        elif a == '--sudi-spoil':
            sudi_spoil = args.pop(0)
        elif a == '--no-sudi':
            no_sudi = True
        elif a == '--stop-at':
            stop_at = args.pop(0)
        else:
            sys.exit('capf_client.py: unknown option ' + a)
    # --password A,B,...: one session per string, back to back from this process
    passwords = password.split(',') if password is not None and ',' in password else [password]
    for pw in passwords:
        session(host, port, path, pw, device, pem, spoil, (sudi_pem, sudi_sid, no_sudi, sudi_spoil), stop_at)
    return 0


def session(host, port, path, password, device, pem, spoil, sudi_opts, stop_at=None):
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
            if stop_at and got.hex().startswith(stop_at):
                print('STOPPED')
                return
            if len(m) > 1 and len(got) > 1 and m[0] == 0x55 and got[1] != m[1]:
                break  # the server went another way than the transcript: what else it says, below
        else:
            if m[1] == 2:
                sudi_pem, sudi_sid, no_sudi, sudi_spoil = sudi_opts
                vectors = os.path.dirname(os.path.dirname(os.path.abspath(path)))
                m = rewrite_auth(m, password, device, pem, spoil, (sudi_sid or sid, vectors, sudi_pem, no_sudi, sudi_spoil))
            try:
                tls.sendall(m[:2] + (sid or m[2:6]) + m[6:])
            except (ssl.SSLError, OSError):
                break  # the server ended the session earlier than the transcript
    # past the transcript the server answers at once or closes: no phone's
    # patience (a server waiting for a key the transcript never sends)
    tls.settimeout(3)
    while True:
        try:
            got = read_msg(tls)
        except (ssl.SSLError, OSError):
            got = None
        if got is None:
            break
        print(got.hex(), flush=True)
        if stop_at and got.hex().startswith(stop_at):
            print('STOPPED')
            return
    print('CLOSED')


sys.exit(main())
