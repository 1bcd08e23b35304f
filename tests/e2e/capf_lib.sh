# capf_lib.sh - what the CAPF tests share (sourced after lib.sh; needs
# E2E, C and CAPF): a transcript's server messages with the session id
# masked, a replay of the phone's side, and the device's status.
# the S->C messages of a transcript, session id masked
mask() { python3 -c "
import sys
for l in open(sys.argv[1]):
    l = l.strip()
    print(l if l == 'CLOSED' else l[:4] + '00000000' + l[12:])" "$1"; }
expected() { python3 -c "
import json, sys
sys.path.insert(0, '$E2E')
src = open('$E2E/capf_client.py').read().split('def main')[0]
exec(src)
for d, m in messages(sys.argv[1]):
    if d == 'S->C':
        print((m[:2] + b'\0\0\0\0' + m[6:]).hex())
print('CLOSED')" "$1"; }
replay() { python3 $E2E/capf_client.py 127.0.0.1 $CAPF $C/$1.json > $1.out; mask $1.out > $1.got; expected $C/$1.json > $1.want; }
status() { $PT device show $1 | sed -n 's/^Certificate Operation Status: //p'; }
