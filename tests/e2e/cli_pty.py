#!/usr/bin/env python3
"""cli_pty.py PHONETRUST DIR: the admin: prompt on a real pseudo-terminal -
the banner, ? and Tab, Ctrl-C on a line and on a running command, history
across sessions, help WORDS, unquoted service names.  Prints one line per
check: "PASS what" or "FAIL what: why"."""
import os
import pty
import select
import socket
import sys
import time

PT, DIR = sys.argv[1], sys.argv[2]
os.chdir(DIR)


class Session:
    def __init__(self):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execv(PT, [PT, "cli"])
        self.out = b""
        self.pos = 0  # what was matched so far

    def send(self, s):
        os.write(self.fd, s.encode() if isinstance(s, str) else s)

    def expect(self, text, timeout=8.0):
        """waits for text after the last match; returns what came up to it"""
        end, start = time.time() + timeout, self.pos
        while time.time() < end:
            i = self.out.find(text.encode(), start)
            if i >= 0:
                self.pos = i + len(text)
                return self.out[start:self.pos].decode(errors="replace")
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if r:
                try:
                    self.out += os.read(self.fd, 4096)
                except OSError:
                    break
        return None

    def skip(self):
        """what came so far is seen: the next expect looks after it"""
        self.settle(0.3)
        self.pos = len(self.out)

    def settle(self, t=0.4):
        end = time.time() + t
        while time.time() < end:
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    self.out += os.read(self.fd, 4096)
                except OSError:
                    return

    def close(self):
        self.send("quit\r")
        end = time.time() + 5
        while time.time() < end:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(st)
            self.settle(0.1)
        os.kill(self.pid, 9)
        return None


def check(ok, what, why=""):
    print(("PASS " if ok else "FAIL ") + what + ("" if ok else ": " + why), flush=True)


open("myfile.sgn", "w").write("x")
s = Session()
check(s.expect("? lists what may come next") is not None, "a banner says how to get help", repr(s.out[-200:]))
check(s.expect("admin:") is not None, "the admin: prompt", repr(s.out[-200:]))

s.send("utils ser\t")
s.settle()
s.send("?")
got = s.expect("deactivate")
check(got is not None and "restart" in got and "activate" in got,
      "? lists what may come next, without Enter (restart, activate, deactivate)", repr(s.out[-300:]))
check(got is not None and "myfile.sgn" not in got, "and no file names where a command word comes", repr(got))
s.send("\x15")  # Ctrl-U: the line cleared
s.skip()
s.send("myf\t")
s.settle()
check("myfile.sgn" not in s.out[s.pos:].decode(errors="replace"), "Tab offers no file name in place of a command",
      repr(s.out[-200:]))
s.skip()
# what Tab completed is seen in what the line runs (the terminal itself is redrawn, not retyped)
s.send("\x15utils ser\tres\tCisco Tf\t\r")
check(s.expect("Cisco Tftp[STARTED]", 20) is not None,
      "Tab completes command words and a service name's words (utils ser, res, Cisco Tf)", repr(s.out[-300:]))
s.send("sgn verify myf\t\r")
check(s.expect("myfile.sgn:") is not None, "Tab completes a file name where a file is expected", repr(s.out[-200:]))
s.send("show cert own Call\t\r")
check(s.expect("BEGIN CERTIFICATE") is not None, "Tab completes a choice (show cert own Call -> CallManager)",
      repr(s.out[-200:]))
s.expect("admin:")
s.skip()

s.send("\x15show itl-status")
s.skip()
s.send("\x03")  # Ctrl-C on the line
check(s.expect("^C") is not None and s.expect("admin:") is not None, "Ctrl-C cancels the line, the prompt stays",
      repr(s.out[-200:]))
s.settle(0.5)
check("ITL FILE STATUS" not in s.out.decode(errors="replace"), "and the cancelled line did not run", "it ran")

# a command that waits (a TFTP server that never answers), cancelled by Ctrl-C
silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
silent.bind(("127.0.0.1", 0))
port = silent.getsockname()[1]
s.send("phone boot --mac 0011223344EE --model 8845 --tftp 127.0.0.1:%d --http-port 0 --timeout 60s\r" % port)
s.settle(1.0)
s.send("\x03")
check(s.expect("(cancelled)", 5) is not None, "Ctrl-C cancels a running command", repr(s.out[-300:]))
check(s.expect("admin:") is not None, "and the prompt comes back", repr(s.out[-200:]))

s.send("utils service restart Cisco Tftp\r")
check(s.expect("Cisco Tftp[STARTED]", 20) is not None, "utils service restart Cisco Tftp, unquoted", repr(s.out[-300:]))
# (fewer under the sanitizers, which run it five times slower)
N = 80 if os.environ.get("PT_SANITIZE") == "ON" else 300
s.send("device add 00:2E:F7:00:00:01 --count %d --model 8845\r" % N)
got = s.expect("%d devices added" % N, 60)
check(got is not None and "/%d configuration files" % N in got and "[####" in got,
      "on a terminal a bulk add shows a progress bar, then its summary line", repr(s.out[-300:]))
s.send("utils service restart Cisco Tftp\r")
got = s.expect("Cisco Tftp[STARTED]", 60)
check(got is not None and "configuration files" in got and "[####" in got, "and so does a TFTP restart over many devices",
      repr(s.out[-300:]))
s.send("help set cert regen\r")
check(s.expect("usage: phonetrust set cert regen NAME") is not None, "help WORDS prints that command's help",
      repr(s.out[-300:]))
s.expect("admin:")
rc = s.close()
check(rc == 0, "quit ends the session, exit 0", str(rc))

home = os.environ["PHONETRUST_HOME"]
hist = os.path.join(home, "cli_history")
check(os.path.exists(hist) and (os.stat(hist).st_mode & 0o777) == 0o600, "the history is kept in the cluster home, 0600",
      str(os.path.exists(hist) and oct(os.stat(hist).st_mode)))
s = Session()
s.expect("admin:")
s.send("\x1b[A\r")  # Up, Enter: the last line of the session before, again
check(s.expect("usage: phonetrust set cert regen NAME") is not None, "Up recalls the previous session's last command",
      repr(s.out[-200:]))
s.close()
