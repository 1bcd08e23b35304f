# show itl / show ctl: CUCM's texts (seeds 001, 002), verdicts, --json, exit status.
. "$PT_TESTLIB"

expect_exit 0 "show itl on a 4-record ITL" $PT show itl $V/tlv/ITLFile.tlv
expect_out "checksum heading" "The checksum value of the ITL file:"
expect_out "MD5" "(MD5)"
expect_out "SHA1 of the file" "$(sha1sum $V/tlv/ITLFile.tlv | cut -c1-40)(SHA1)"
expect_out "MD5 of the file" "$(md5sum $V/tlv/ITLFile.tlv | cut -c1-32)(MD5)"
expect_out "length" "Length of ITL file: 6368"
expect_out "modification time line" "The ITL File was last modified on"
expect_out "Parse ITL File" "Parse ITL File"
expect_out "version" "Version: 1.2"
expect_out "header length" "HeaderLength: 388 (BYTES)"
expect_out "signer id row" "$(printf '3\tSIGNERID\t2\t71')"
expect_out "signer name row" "$(printf '4\tSIGNERNAME\t23\tCN=SAST,O=SAST,OU=SAST')"
expect_out "serial row, colon hex" "$(printf '5\tSERIALNUMBER\t16\tB9:AC:46:EA:04:24:B1:3E:18:6F:A0:8B:9B:54:A9:D1')"
expect_out "CUCM's DIGESTALGORTITHM spelling" "$(printf '8\tDIGESTALGORTITHM\t1')"
expect_out "signature row" "$(printf '12\tSIGNATURE\t256')"
expect_out "record heading" "ITL Record #:1"
expect_out "function SAST" "$(printf '4\tFUNCTION\t2\tSystem Administrator Security Token')"
expect_out "function TVS" "$(printf '4\tFUNCTION\t2\tTVS')"
expect_out "certificate as SHA1 hash" "$(printf '9\tCERTIFICATE\t869\t6C 25 FF 83 A6 B5 9A 97 65 19 5E E2 1C 4E D3 32 3F 6F B1 72')"
expect_out "(SHA1 Hash HEX)" "(SHA1 Hash HEX)"
expect_out "signer marked" "This etoken was used to sign the ITL file."
expect_out "verdict" "The ITL file was verified successfully."

# hash-only records as seed 001 shows them
expect_exit 0 "show itl with hash-only records" $PT show itl $V/tlv/ITL-hashrecord-synthetic.tlv
expect_out "CERTHASH row" "$(printf '11\tCERTHASH\t20\tF6 21 E8 DB A9 13 0B 02 5C ED 37 FE 63 A9 D3 D1 CD 65 A9 56')"
expect_out "HASH ALGORITHM row" "$(printf '12\tHASH ALGORITHM\t1\tSHA-1')"
expect_out "DNS name" "$(printf '2\tDNSNAME\t16\ttvs.example.net')"
expect_out "IP address" "$(printf '10\tIPADDRESS\t4\t192.0.2.10')"

# a second SAST that did not sign
$PT cert create rec.pem --cn ITLRECOVERY_pub --role itlrecovery >/dev/null
$PT tlv build two.tlv --signer $V/certs/ccm.pem --record sast=rec.pem --layout legacy --signer-version none
expect_exit 0 "show itl with two SAST records" $PT show itl two.tlv
expect_out "the other SAST is marked" "This etoken was not used to sign the ITL file."
# ... and re-signed by the other one (what utils itl reset does)
$PT tlv build two.tlv --signer rec.pem --record sast=$V/certs/ccm.pem --layout legacy --signer-version none
expect_exit 0 "show itl: signed by the second record" $PT show itl two.tlv
expect_true "record 1 (ITLRecovery) signed" sh -c "sed -n '/ITL Record #:1/,/ITL Record #:2/p' '$SCRATCH/out' | grep -q 'was used to sign'"
expect_true "record 2 (CallManager) did not" sh -c "sed -n '/ITL Record #:2/,\$p' '$SCRATCH/out' | grep -q 'was not used to sign'"

# show ctl wording
expect_exit 0 "show ctl" $PT show ctl $V/tlv/CTLSEP001122334455.tlv
expect_out "CTL checksum heading" "The checksum value of the CTL file:"
expect_out "CTL record heading" "CTL Record #:2"
expect_out "APP-SERVER role" "$(printf '4\tFUNCTION\t2\tAPP-SERVER')"
expect_out "CTL verdict" "The CTL file was verified successfully."
expect_exit 4 "show ctl with no CTL" $PT show ctl CTLFile.tlv
expect_out "seed 002 text" "Length of CTL file: 0"
expect_out "seed 002 text" "CTL File not found"
expect_out "seed 002 text" ". Please run CTLClient plugin or run the CLI - utils ctl.. to"
expect_out "seed 002 text" "Error parsing the CTL File."

# a signature that does not verify: exit 1 and a precise verdict
cp $V/tlv/tiny.tlv bad.tlv
printf '\001' | dd of=bad.tlv bs=1 seek=900 conv=notrunc 2>/dev/null
expect_exit 1 "tampered ITL does not verify" $PT show itl bad.tlv
expect_out "failure verdict" "The ITL file could not be verified: offset 0x79: signer record 1: the SHA1 signature does not match the file"
expect_no_out "no success line" "verified successfully"

# malformed: exit 3, offset and tag in the error
head -c 4500 $V/tlv/ITLFile.tlv > cut.tlv
expect_exit 3 "truncated ITL" $PT show itl cut.tlv
expect_err "error names file, offset, record, tag" "cut.tlv: offset 0xfb2: record 3: tag 9 length 862 runs past the end of the file (4500 bytes)"
expect_out "parse error line" "Error parsing the ITL File."

# --json
expect_exit 0 "show itl --json" $PT show itl $V/tlv/ITL-hashrecord-synthetic.tlv --json
expect_true "JSON parses" python3 -c "import json,sys; json.load(open('$SCRATCH/out'))"
expect_true "JSON facts" python3 -c "
import json
j = json.load(open('$SCRATCH/out'))
assert j['verified'] is True and j['signer_record'] == 1
assert j['length'] == 2559 and j['header_length'] == 388 and j['kind'] == 'ITL'
assert j['records'][1]['role_name'] == 'TVS' and j['records'][1]['certificate_hash'] == 'f621e8dba9130b025ced37fe63a9d3d1cd65a956'
assert j['records'][0]['ip_address'] == '192.0.2.10' and j['records'][0]['signer'] is True
assert j['records'][0]['key_algorithm'] == 'RSA' and j['error'] is None
"
expect_exit 1 "--json of a tampered file" $PT show itl bad.tlv --json
expect_true "JSON says not verified, and why" python3 -c "
import json
j = json.load(open('$SCRATCH/out'))
assert j['verified'] is False and 'does not match' in j['error']
"
expect_exit 3 "--json of a truncated file" $PT show itl cut.tlv --json
expect_true "JSON carries the parse error" python3 -c "
import json
j = json.load(open('$SCRATCH/out'))
assert j['verified'] is False and 'offset 0xfb2' in j['error']
"
expect_exit 7 "show itl with no file and no cluster" env PHONETRUST_HOME=$SCRATCH/none $PT show itl
expect_err "says there is no cluster" "no cluster at $SCRATCH/none"
expect_exit 2 "show with unknown option" $PT show itl x --bogus
expect_exit 2 "show what?" $PT show nothing x
# a FIFO or a device where a file is expected: refused at once, never waited on
mkfifo fifo.tlv
expect_exit 4 "show itl on a FIFO (no writer): exit 4, not a hang" timeout 10 $PT show itl fifo.tlv
expect_err "says what it is" "not a regular file (a FIFO)"
expect_exit 4 "show itl on a device" timeout 10 $PT show itl /dev/zero
expect_err "says what it is" "not a regular file (a device)"
expect_exit 4 "sgn verify on a directory" $PT sgn verify . --cert /dev/null
expect_err "says what it is" "not a regular file (a directory)"
finish
