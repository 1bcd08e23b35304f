/*
 * clockshift.c - time passing on a copy of a cluster (a rehearsal's "wait"):
 * the times the database records move into the past, so that what waits on
 * them (the 5-minute hold between CallManager and TVS regenerations, CAPF
 * deadlines, the daily alerts) sees that much time gone by.  Only ever run
 * on a copy: the clock itself is never touched.
 */
#include "cluster_internal.h"

#include <stdio.h>

int pt_cluster_age(pt_cluster *c, long seconds, pt_diag *d)
{
    if (seconds <= 0)
        return PT_OK;
    char sql[2048];
    snprintf(sql, sizeof sql,
             "UPDATE certs SET created = created - %ld, modified = modified - %ld;"
             "UPDATE trust SET added = added - %ld;"
             "UPDATE itl_records SET added = added - %ld;"
             "UPDATE itl_state SET built = built - %ld;"
             "UPDATE devices SET reported = reported - %ld,"
             " capf_deadline = CASE WHEN capf_deadline > 0 THEN capf_deadline - %ld ELSE 0 END,"
             " capf_attempt_at = max(0, capf_attempt_at - %ld * 1000);"
             "UPDATE cluster SET created = created - %ld,"
             " security_password_changed = security_password_changed - %ld,"
             " itlrecovery_backup = itlrecovery_backup - %ld, alert_logged = alert_logged - %ld;",
             seconds, seconds, seconds, seconds, seconds, seconds, seconds, seconds, seconds, seconds, seconds,
             seconds);
    int rc = pt__begin(c, d);
    if (rc)
        return rc;
    if ((rc = pt__exec(c, sql, d)) == PT_OK)
        return pt__commit(c, d);
    pt__rollback(c);
    return rc;
}
