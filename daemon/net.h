/*
 * net.h — listeners and connections made for plugins (the listen_* and
 * conn_* members of struct sth_host).
 *
 * Ownership: net.c owns every struct sth_listener and struct sth_conn, the
 * sockets and bufferevents inside them and, for unix listeners, the socket
 * file; each is recorded in its plugin's scope (scope.h) and freed by the
 * plugin, or by the loader at unload.  Callbacks reach plugin code only
 * through trampolines that pass plugin_enter().  A connection's bufferevent
 * may be one a plugin built on its descriptor (net_conn_wrap: a TLS session
 * of tls.so); net.c owns and frees it all the same.
 */
#ifndef STHENO_NET_H
#define STHENO_NET_H

#include <stheno/host.h>

struct sth_plugin;

#define NET_BACKLOG 1024

/* The message supervisord gives when a live program holds the address. */
#define NET_ADDR_IN_USE                                                        \
	"Another program is already listening on a port that one of our HTTP " \
	"servers is configured to use.  Shut this program down first before " \
	"starting supervisord."

struct sth_listener *net_listen_tcp(struct sth_plugin *, const char *hostport,
				    sth_accept_fn, void *arg, char **err);
struct sth_listener *net_listen_unix(struct sth_plugin *, const char *path,
				     int mode, const char *owner,
				     sth_accept_fn, void *arg, char **err);
void net_listener_free(struct sth_listener *);
const char *net_listener_addr(struct sth_listener *);
int net_listener_port(struct sth_listener *);
/* A control listener's connections may use the descriptors kept for
 * control connections (net.c, docs/stheno.conf.5.md "DESCRIPTORS"). */
void net_listener_set_control(struct sth_listener *, int);

struct sth_conn *net_conn_new(struct sth_plugin *, int fd, sth_conn_fn readfn,
			      sth_conn_fn writefn, sth_conn_event_fn eventfn,
			      void *arg);
struct bufferevent *net_conn_bev(struct sth_conn *);
void net_conn_free(struct sth_conn *);
int net_conn_handover(struct sth_conn *);
int net_conn_wrap(struct sth_conn *,
    struct bufferevent *(*)(struct event_base *, int, void *), void *);
void net_conn_close_after_write(struct sth_conn *);

/*
 * Unload, "force" step: tell the plugin each of its connections is gone
 * (eventfn with STH_CONN_EOF | STH_CONN_ERROR, while its code is mapped);
 * connections it does not free then are freed by the scope.  Returns how
 * many connections there were.
 */
unsigned net_conn_force_close(struct sth_plugin *);

/* Unload, "drain" step: every listener of the plugin stops accepting (its
 * socket is closed, a unix socket file unlinked); the records stay until
 * the plugin frees them or unloads.  Returns how many were open. */
unsigned net_listeners_close(struct sth_plugin *);

/*
 * Reload: a listener the replaced plugin holds on the same address is handed
 * to the new one (the socket never closes).  Once the new plugin's init has
 * succeeded (commit = 1) the hand-over is final; if it failed (commit = 0)
 * the listeners go back to the old plugin with their old callbacks.
 */
void net_listeners_settle(struct sth_plugin *newp, int commit);

/* Split "host:port", ":port", "*:port", "port", "[v6]:port" into a host
 * (malloc'd, NULL for any address) and a port string (malloc'd). */
int net_parse_hostport(const char *spec, char **host, char **port,
		       char **err);

#endif
