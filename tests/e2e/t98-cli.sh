# phonetrust cli: the admin: prompt takes the same commands.
. "$PT_TESTLIB"
export PHONETRUST_HOME=$SCRATCH/cluster
$PT install --publisher pub --domain lab.example --ip 192.0.2.10 --admin-password adminpw1 --security-password secpw123 >/dev/null

expect_exit 0 "commands from standard input, quoted arguments" sh -c \
    "printf 'show param \"CAPF Phone Port\"\nset param \"CAPF Operation Expires in (days)\" 20\nshow param \"CAPF Operation Expires in (days)\"\nquit\n' | $PT cli"
expect_out "a quoted parameter name" "3804"
expect_out "the change took" "20"
expect_exit 2 "the last command's exit status is the session's" sh -c "printf 'show nothing\n' | $PT cli"
expect_exit 2 "an unclosed quote" sh -c "printf 'show param \"CAPF\n' | $PT cli"
expect_err "is reported" "unclosed quote"
if command -v script >/dev/null 2>&1; then
    # on a terminal: the admin: prompt, and the password is not echoed
    (sleep 0.5; printf 'utils itl reset localkey\r'; sleep 0.5; printf 'adminpw1\r'; sleep 2; printf 'quit\r'; sleep 0.3) |
        script -qfc "$PT cli" /dev/null > tty.out 2>&1
    tr -d '\r' < tty.out > tty.txt
    expect_true "the admin: prompt" grep -q "^admin:utils itl reset localkey" tty.txt
    expect_true "the seed's password prompt" grep -q "^Enter CCM Administrator password :" tty.txt
    expect_true "the password is not echoed" sh -c "! grep -q adminpw1 tty.txt"
    expect_true "the reset ran" grep -q "Cisco Tftp service restarted on host pub" tty.txt
fi
# on a pseudo-terminal: the banner, ? and Tab, Ctrl-C, history, help WORDS
python3 "$(dirname "$PT_TESTLIB")/cli_pty.py" $PT $SCRATCH >pty.txt 2>&1
while read -r verdict what; do
    case $verdict in
        PASS) ok "$what" ;;
        FAIL) not_ok "$what" ;;
        *) not_ok "the pseudo-terminal driver: $verdict $what" ;;
    esac
done <pty.txt
expect_true "the pseudo-terminal driver ran its checks ($(grep -c '^PASS' pty.txt) passed)" test "$(grep -c '^PASS' pty.txt)" -ge 17
finish
