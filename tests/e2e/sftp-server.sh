# sftp-server.sh - start a real OpenSSH server (SFTP subsystem) on a free
# loopback port for the current user, with public-key login only.  Source
# it after lib.sh; it sets SFTP_PORT, SFTP_USER, SFTP_KEY (client private
# key), SFTP_ROOT (a directory to write into) and stops sshd on exit.
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
SFTP_DIR=$SCRATCH/sshd
mkdir -p "$SFTP_DIR" "$SCRATCH/sftp-root"
SFTP_ROOT=$SCRATCH/sftp-root
SFTP_USER=$(id -un)
SFTP_KEY=$SFTP_DIR/client_key
ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f "$SFTP_DIR/host_key" </dev/null
ssh-keygen -q -t ecdsa -b 256 -m PEM -N '' -f "$SFTP_KEY" </dev/null
cp "$SFTP_KEY.pub" "$SFTP_DIR/authorized_keys"
chmod 600 "$SFTP_DIR/authorized_keys"
SFTP_PORT=$(free_ports 1)
cat > "$SFTP_DIR/sshd_config" <<CONF
Port $SFTP_PORT
ListenAddress 127.0.0.1
HostKey $SFTP_DIR/host_key
PidFile $SFTP_DIR/sshd.pid
AuthorizedKeysFile $SFTP_DIR/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
Subsystem sftp internal-sftp
LogLevel ERROR
CONF
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
"$SSHD" -f "$SFTP_DIR/sshd_config" -E "$SFTP_DIR/sshd.log"
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -s "$SFTP_DIR/sshd.pid" ] && break
    sleep 0.2
done
SFTP_KNOWN=$SFTP_DIR/known_hosts
# stop sshd when the test ends (after lib.sh's own cleanup is set, so chain it)
at_exit 'kill "$(cat "$SFTP_DIR/sshd.pid" 2>/dev/null)" 2>/dev/null'
