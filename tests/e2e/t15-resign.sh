# tlv resign: the records unchanged under a new signer (the core of
# `utils itl reset`, M18), and the phone's check that makes it work.
. "$PT_TESTLIB"

$PT cert create cm.pem --cn test10pub --role callmanager --cucm-order --org cisco --unit tac >/dev/null
$PT cert create rec.pem --cn ITLRECOVERY_test10pub --role itlrecovery --cucm-order --org cisco --unit tac >/dev/null
$PT cert create other.pem --cn stranger >/dev/null
expect_exit 0 "an ITL signed by CallManager, ITLRecovery as second SAST" $PT tlv build ITLFile.tlv --signer cm.pem \
    --record tftp=cm.pem --record sast=rec.pem --layout legacy --signer-version none --timestamp 1700000000
expect_exit 0 "tlv resign with the ITLRecovery key" $PT tlv resign ITLFile.tlv reset.tlv --signer rec.pem --timestamp 1700000100
expect_exit 0 "the reset ITL verifies" $PT show itl reset.tlv
expect_true "record 3 (ITLRecovery) signed it" sh -c "sed -n '/ITL Record #:3/,\$p' '$SCRATCH/out' | grep -q 'was used to sign'"
expect_out "CUCM names kept (legacy layout detected)" "CN=ITLRECOVERY_test10pub;OU=tac;O=cisco"
expect_true "records are byte-identical" sh -c "
    a=\$(dd if=ITLFile.tlv bs=1 skip=\$(( \$(od -An -j8 -N2 -tu1 ITLFile.tlv | awk '{print \$1*256+\$2}') )) 2>/dev/null | sha1sum)
    b=\$(dd if=reset.tlv bs=1 skip=\$(( \$(od -An -j8 -N2 -tu1 reset.tlv | awk '{print \$1*256+\$2}') )) 2>/dev/null | sha1sum)
    [ \"\$a\" = \"\$b\" ]"
run $PT tlv dump reset.tlv
expect_no_out "no signer version added" "SIGNER_VERSION"
expect_out "file name kept" "'ITLFile.tlv'"
expect_exit 0 "a phone holding the old ITL checks the new signer against its ITLRecovery record" $PT sgn verify reset.tlv --cert rec.pem
expect_exit 1 "a key the old ITL does not list is no good" $PT sgn verify reset.tlv --cert cm.pem
expect_exit 6 "a signer that is not a SAST of the list is refused" $PT tlv resign ITLFile.tlv evil.tlv --signer other.pem
expect_err "saying phones would refuse it" "is not a SAST record of ITLFile.tlv"
expect_true "and nothing is written" test ! -e evil.tlv
expect_exit 0 "--force writes it (to try on phones)..." $PT tlv resign ITLFile.tlv evil.tlv --signer other.pem --force
expect_exit 1 "...but its list has no SAST record for it" $PT show itl evil.tlv
expect_out "and says so" "no SAST record with a certificate has the signer's serial number"
expect_exit 3 "resigning a non-trust-list fails" $PT tlv resign $V/sgn/hello.txt x.tlv --signer rec.pem
finish
