# The golden vectors, byte for byte, through the command line (spec §9.1).
. "$PT_TESTLIB"

expect_exit 0 "tlv build: tiny, current layout" $PT tlv build tiny.tlv --signer $V/certs/tiny-sast.pem --timestamp 1700000000
expect_same "tiny.tlv equals tiny-1700000000.tlv" tiny.tlv $V/tlv/tiny-1700000000.tlv
expect_exit 0 "tlv build: tiny, legacy layout" $PT tlv build tiny.tlv --signer $V/certs/tiny-sast.pem --timestamp 1700000000 --layout legacy
expect_same "tiny.tlv equals tiny-1700000000-v4.12.tlv" tiny.tlv $V/tlv/tiny-1700000000-v4.12.tlv
expect_exit 0 "sgn build: hello, current layout" $PT sgn build $V/sgn/hello.txt hello.txt.sgn --signer $V/certs/tiny-sast.pem --timestamp 1700000000
expect_same "hello.txt.sgn equals hello-tiny-1700000000.txt.sgn" hello.txt.sgn $V/sgn/hello-tiny-1700000000.txt.sgn
expect_exit 0 "sgn build: hello, legacy layout" $PT sgn build $V/sgn/hello.txt hello.txt.sgn --signer $V/certs/tiny-sast.pem --timestamp 1700000000 --layout legacy
expect_same "hello.txt.sgn equals the v4.12 vector" hello.txt.sgn $V/sgn/hello-tiny-1700000000-v4.12.txt.sgn
expect_exit 0 "tlv build: 5-record SHA-512 ITL with an EC record" $PT tlv build ITLFile.tlv --signer $V/certs/sast.pem \
    --record ccm=$V/certs/ccm.pem --record tftp=$V/certs/apache-ec.pem --record tvs=$V/certs/tvs.pem \
    --record capf=$V/certs/capf.pem --hash sha512 --signer-version 1.1 --timestamp 1700000000
expect_same "ITLFile.tlv equals ITLFile-1700000000-sha512.tlv" ITLFile.tlv $V/tlv/ITLFile-1700000000-sha512.tlv
expect_exit 0 "--filename sets the header name, not the output name" $PT tlv build x.tlv --filename tiny.tlv --signer $V/certs/tiny-sast.pem --timestamp 1700000000
expect_same "x.tlv equals the tiny vector" x.tlv $V/tlv/tiny-1700000000.tlv

# CUCM-style: legacy layout, no signer version, hash-only records
expect_exit 0 "tlv build: CUCM layout without tag 28" $PT tlv build ITLFile.tlv --signer $V/certs/ccm.pem --record tftp=$V/certs/ccm.pem \
    --hash-only capf=$V/certs/capf.pem --hash-only tvs=$V/certs/tvs.pem --layout legacy --signer-version none
run $PT tlv dump ITLFile.tlv
expect_no_out "no SIGNER_VERSION item" "SIGNER_VERSION"
expect_out "hash-only TVS record" "tag 11 CERTIFICATE_HASH"
expect_out "ascending record order (ROLE right after SUBJECT_NAME)" "tag  4 ROLE             len    2  TFTP"
expect_exit 0 "the CUCM-layout ITL verifies" $PT show itl ITLFile.tlv
finish
