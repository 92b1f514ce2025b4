/*
 * notify.h — telling a service manager how sthenod is doing, with
 * systemd's NOTIFY_SOCKET protocol (sd_notify(3)'s wire format, no
 * libsystemd): READY=1 once the config is applied and the servers listen,
 * RELOADING=1 when SIGHUP starts a reload (READY=1 again when it is done),
 * STOPPING=1 when shutdown starts.  The unit etc/stheno.service.in says
 * Type=notify.
 *
 * Ownership: notify.c owns the socket address it read from the
 * environment; nothing is kept open between messages.  Without
 * NOTIFY_SOCKET every call does nothing.
 */
#ifndef STHENO_NOTIFY_H
#define STHENO_NOTIFY_H

/* Read NOTIFY_SOCKET and remove it from the environment, so that the
 * programs sthenod starts do not talk to the manager in its name. */
void notify_init(void);
/* Send one datagram of "KEY=VALUE\n" lines; a failure is logged, never
 * fatal (the manager's timeout says the rest). */
void notify_send(const char *state);
/* The three messages above, each with MAINPID and a STATUS= line. */
void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);

#endif
