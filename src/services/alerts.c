/*
 * alerts.c - a running serve raises the cluster's alerts (seed 001: the
 * ITLRecovery key not backed up, daily), not only the commands that happen
 * to open the cluster: looked at once a minute on worker 0's tick, written
 * to serve's own log (file, syslog or the journal) once a day while in
 * force, and to the cluster's log at most once a day across every process.
 */
#include "server.h"

#include <string.h>
#include <syslog.h>
#include <time.h>

#define ALERT_LOOK_TICKS 60 /* seconds between looks */
#define ALERT_EVERY (24 * 60 * 60)

void srv_alerts_tick(server *s)
{
    if (s->alert_wait-- > 0)
        return;
    s->alert_wait = ALERT_LOOK_TICKS - 1;
    time_t now = time(NULL);
    pt_cluster_log_daily_alerts(s->cl, now);
    char text[2048];
    if (pt_cluster_alerts(s->cl, text, sizeof text, NULL) || !text[0]) {
        s->alert_logged = 0; /* cleared: raised again at once if it comes back */
        return;
    }
    if (s->alert_logged && now - s->alert_logged < ALERT_EVERY && now >= s->alert_logged)
        return;
    s->alert_logged = now;
    for (char *line = text, *end; *line; line = end + (*end == '\n')) {
        end = line + strcspn(line, "\n");
        if (end > line)
            srv_logl(s, LOG_WARNING, "ALERT %.*s", (int)(end - line), line);
    }
}
