# Sourced by the benchmarks.
# free_ports N: N free TCP ports on 127.0.0.1, held together while picked
# so that they differ, on one line.
free_ports() {
    python3 -c '
import socket, sys
ss = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ss.append(s)
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"
}
