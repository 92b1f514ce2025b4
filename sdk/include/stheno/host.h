/*
 * stheno/host.h — the host API table handed to a plugin's init().
 *
 * Ownership: the table belongs to sthenod and stays valid until the plugin's
 * fini() returns; every object a plugin creates through it (timers, watches,
 * listeners, connections, RPC methods, subscriptions, services, vfs roots)
 * belongs to that plugin's scope, and whatever the plugin has not freed when
 * fini() returns is released by the host and logged as a leak.
 *
 * Rules that hold for every call below, unless the call says otherwise:
 *  - `self` is the handle given to init(); passing another plugin's handle
 *    is an impossible state and aborts.
 *  - Strings passed in are borrowed (copied if kept); strings returned are
 *    owned by the host and valid until the object they came from is freed
 *    (but those cfg_read stores, which are the plugin's to free).
 *  - json_t arguments are borrowed (the caller keeps its reference) except
 *    where the comment says "stolen"; json_t results are new references the
 *    caller must json_decref().
 *  - Callbacks run on the daemon's single loop thread and are never called
 *    after the object they belong to is freed, nor after the plugin's unload
 *    has reached fini().
 *
 * The table only ever grows: members are appended, each new one commented
 * with the ABI minor that added it.  A plugin uses the members up to its
 * abi_minor (STHENO_PLUGIN_ABI_MINOR, by default the headers' minor) freely:
 * the loader refuses it on an older host.  A member newer than that minor
 * may be missing: test it with STH_HOST_HAS first (stheno/plugin.h).
 */
#ifndef STHENO_HOST_H
#define STHENO_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <dirent.h>

#include <jansson.h>

#include <stheno/plugin.h>

struct event_base;
struct bufferevent;

#ifdef __cplusplus
extern "C" {
#endif

/* Log levels: supervisord's numbers and names (CRIT ... BLAT). */
#define STH_LOG_CRIT 50
#define STH_LOG_ERRO 40
#define STH_LOG_WARN 30
#define STH_LOG_INFO 20
#define STH_LOG_DEBG 10
#define STH_LOG_TRAC 5
#define STH_LOG_BLAT 3

/* Fault codes of supervisor's XML-RPC interface (docs/supervisord.md §4.2). */
#define STH_FAULT_UNKNOWN_METHOD 1
#define STH_FAULT_INCORRECT_PARAMETERS 2
#define STH_FAULT_BAD_ARGUMENTS 3
#define STH_FAULT_SIGNATURE_UNSUPPORTED 4
#define STH_FAULT_SHUTDOWN_STATE 6
#define STH_FAULT_BAD_NAME 10
#define STH_FAULT_BAD_SIGNAL 11
#define STH_FAULT_NO_FILE 20
#define STH_FAULT_NOT_EXECUTABLE 21
#define STH_FAULT_FAILED 30
#define STH_FAULT_ABNORMAL_TERMINATION 40
#define STH_FAULT_SPAWN_ERROR 50
#define STH_FAULT_ALREADY_STARTED 60
#define STH_FAULT_NOT_RUNNING 70
#define STH_FAULT_SUCCESS 80
#define STH_FAULT_ALREADY_ADDED 90
#define STH_FAULT_STILL_RUNNING 91
#define STH_FAULT_CANT_REREAD 92

/* Opaque handles; see the functions that make them. */
struct sth_timer;
struct sth_watch;
struct sth_listener;
struct sth_conn;
struct sth_section;
struct sth_rpc_call;
struct sth_sub;
struct sth_event;
struct sth_vfs;
struct sth_evpool_api;	/* stheno/evpool.h */
struct sth_binding;
struct sth_hold;

/* Watch flags (the same values as libevent's EV_READ / EV_WRITE). */
#define STH_READ 0x02
#define STH_WRITE 0x04

/* Connection events (the same values as libevent's BEV_EVENT_*). */
#define STH_CONN_EOF 0x10
#define STH_CONN_ERROR 0x20
#define STH_CONN_TIMEOUT 0x40
/* A session stacked by conn_wrap (ABI 1.5) finished its handshake. */
#define STH_CONN_CONNECTED 0x80

/*
 * Typed section reading (ABI 1.6, host->cfg_read): a table of options,
 * each one key of a section read into a member of the plugin's own
 * struct, checked and converted as sthenod reads its own sections.  The
 * values of STH_CFG_* and the layout of struct sth_cfg_option are fixed
 * for the major version (sthenod maps them to its own types); a table
 * ends with a NULL key.  Every member the table names is set: to the
 * value, else the default, else "unset" (NULL, 0, or -1 for an octal).
 */
#define STH_CFG_STR 1	/* char *: a malloc'd copy the plugin owns */
#define STH_CFG_BOOL 2	/* 1 or 0: true/false, yes/no, on/off, 1/0 */
#define STH_CFG_INT 3	/* an integer, as Python's int() reads it */
#define STH_CFG_BYTES 4	/* an integer: "1024", "10KB", "50MB", "1GB" */
#define STH_CFG_OCTAL 5	/* an integer written in octal: "0700" */
/* flags */
#define STH_CFG_REQUIRED 0x1	/* absent (and no default): an error */
#define STH_CFG_NO_EXPAND 0x2	/* keep %(name)s as written */
#define STH_CFG_EMPTY_NULL 0x4	/* a string: an empty value is unset */

struct sth_cfg_option {
	const char *key;	/* NULL ends the table */
	int type;		/* STH_CFG_* */
	int flags;		/* STH_CFG_REQUIRED | ... */
	size_t offset;		/* offsetof the member in the target */
	size_t size;		/* sizeof the member: a char * for a string,
				 * an int, long or long long for the others */
	const char *def;	/* the default, as config text; NULL: unset */
	long min, max;		/* INT, BYTES, OCTAL: bounds when min < max
				 * (an int member: within INT_MIN..INT_MAX) */
	const void *reserved[2];	/* zero */
};

/* STH_CFG_AT(struct conf, member): the offset and size fields. */
#define STH_CFG_AT(type, member)                                               \
	offsetof(type, member), sizeof(((type *)0)->member)
/* One option, for a member of struct stype, and the end of a table:
 *   STH_CFG_OPTION("port", STH_CFG_INT, 0, struct conf, port, "21", 1,
 *       65535), ..., STH_CFG_END */
#define STH_CFG_OPTION(key, type, flags, stype, member, def, min, max)        \
	{ (key), (type), (flags), STH_CFG_AT(stype, member), (def), (min),     \
	  (max), { NULL, NULL } }
#define STH_CFG_END { NULL, 0, 0, 0, 0, NULL, 0, 0, { NULL, NULL } }

typedef void (*sth_timer_fn)(struct sth_timer *t, void *arg);
typedef void (*sth_watch_fn)(struct sth_watch *w, int fd, short what,
			     void *arg);
/* fd is the accepted socket; the callee owns it (close it or hand it to
 * conn_new).  sa/salen describe the peer (AF_UNIX peers have salen 0). */
typedef void (*sth_accept_fn)(struct sth_listener *l, int fd,
			      const struct sockaddr *sa, socklen_t salen,
			      void *arg);
typedef void (*sth_conn_fn)(struct sth_conn *c, void *arg);
typedef void (*sth_conn_event_fn)(struct sth_conn *c, short what, void *arg);
/* A method handler answers exactly once, through rpc_return or rpc_fault,
 * before it returns or later (a "deferred" answer).  params is a JSON array,
 * borrowed for the duration of the call (json_incref to keep it). */
typedef void (*sth_rpc_fn)(struct sth_rpc_call *call, json_t *params,
			   void *arg);
/* The answer to rpc_call: on success result is borrowed and fault_code is 0;
 * on a fault result is NULL and fault_string is borrowed. */
typedef void (*sth_rpc_done_fn)(json_t *result, int fault_code,
				const char *fault_string, void *arg);
typedef void (*sth_rpc_cancel_fn)(struct sth_rpc_call *call, void *arg);
/* ev is borrowed for the duration of the callback. */
typedef void (*sth_bus_fn)(const struct sth_event *ev, void *arg);

struct sth_host {
	uint32_t size;		/* sizeof(struct sth_host) in the daemon */
	uint32_t abi_major;
	uint32_t abi_minor;

	/* --- the plugin itself ------------------------------------------ */
	const char *(*version)(void);		/* sthenod's version */
	const char *(*name)(struct sth_plugin *self);
	void (*set_data)(struct sth_plugin *self, void *data);
	void *(*get_data)(struct sth_plugin *self);
	/* Record why init (or a later operation) failed; the loader reports
	 * it.  Always returns -1, so `return host->fail(self, ...)` reads
	 * well. */
	int (*fail)(struct sth_plugin *self, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

	/* --- logging: the main log, in supervisord's format --------------- */
	void (*log)(struct sth_plugin *self, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
	int (*log_enabled)(int level);

	/* --- the loop ----------------------------------------------------- */
	/* The daemon's event_base, for libraries that need one.  Events made
	 * on it directly are not in the plugin's scope: free them in fini, or
	 * the unload audit keeps the plugin mapped as a zombie. */
	struct event_base *(*base)(struct sth_plugin *self);
	/* A timer, stopped until timer_start.  Freed by timer_free or
	 * unload. */
	struct sth_timer *(*timer_new)(struct sth_plugin *self, sth_timer_fn fn,
				       void *arg);
	void (*timer_start)(struct sth_timer *t, double seconds, int repeat);
	void (*timer_stop)(struct sth_timer *t);
	void (*timer_free)(struct sth_timer *t);
	/* Watch fd for STH_READ|STH_WRITE (persistent).  If own_fd, the host
	 * closes fd when the watch is freed. */
	struct sth_watch *(*watch_new)(struct sth_plugin *self, int fd,
				       short what, sth_watch_fn fn, void *arg,
				       int own_fd);
	void (*watch_free)(struct sth_watch *w);
	/* Run fn(arg) once on the next loop iteration (never from inside this
	 * call).  Dropped silently if the plugin unloads first. */
	void (*defer)(struct sth_plugin *self, void (*fn)(void *arg),
		      void *arg);

	/* --- listeners ---------------------------------------------------- */
	/* hostport: "host:port", ":port", "*:port", "port", "[v6]:port".
	 * On failure returns NULL and sets *err to a malloc'd message the
	 * caller frees. */
	struct sth_listener *(*listen_tcp)(struct sth_plugin *self,
					   const char *hostport,
					   sth_accept_fn fn, void *arg,
					   char **err);
	/* A unix socket at path with mode (e.g. 0700) and owner ("user" or
	 * "user:group", NULL = unchanged).  A stale socket file is replaced,
	 * a live one is refused (supervisord's rule).  The file is unlinked
	 * when the listener is freed. */
	struct sth_listener *(*listen_unix)(struct sth_plugin *self,
					    const char *path, int mode,
					    const char *owner, sth_accept_fn fn,
					    void *arg, char **err);
	void (*listener_free)(struct sth_listener *l);
	/* Human-readable address the listener is bound to (e.g.
	 * "127.0.0.1:9001" or "/tmp/x.sock"), and the actual TCP port (0 for
	 * unix). */
	const char *(*listener_addr)(struct sth_listener *l);
	int (*listener_port)(struct sth_listener *l);

	/* --- connections: a bufferevent owned by the host ----------------- */
	/* Takes ownership of fd.  Reading is enabled.  Callbacks may be
	 * NULL.  writefn runs when output written to the bufferevent has
	 * gone out (down to the write low watermark), not for a new
	 * connection with nothing written yet. */
	struct sth_conn *(*conn_new)(struct sth_plugin *self, int fd,
				     sth_conn_fn readfn, sth_conn_fn writefn,
				     sth_conn_event_fn eventfn, void *arg);
	/* The underlying bufferevent, for reading and writing data and setting
	 * watermarks and timeouts.  Never call bufferevent_setcb or
	 * bufferevent_free on it. */
	struct bufferevent *(*conn_bev)(struct sth_conn *c);
	/* Free now; pending output is dropped. */
	void (*conn_free)(struct sth_conn *c);
	/* Stop reading, flush pending output, then free (no more callbacks). */
	void (*conn_close_after_write)(struct sth_conn *c);

	/* --- configuration ------------------------------------------------ */
	/* The plugin's own [plugin:NAME] section, or NULL if it has none. */
	struct sth_section *(*config)(struct sth_plugin *self);
	/* Any section by its full name ("unix_http_server", "program:x"). */
	struct sth_section *(*section)(struct sth_plugin *self,
				       const char *name);
	/* Iterate sections whose name starts with prefix ("" for all) in file
	 * order: pass prev=NULL first. */
	struct sth_section *(*section_next)(struct sth_plugin *self,
					    struct sth_section *prev,
					    const char *prefix);
	const char *(*section_name)(struct sth_section *s);
	/* The value with %(here)s and %(ENV_X)s expanded, or def if the key is
	 * absent (NULL if it cannot expand: the error is logged). */
	const char *(*cfg_str)(struct sth_section *s, const char *key,
			       const char *def);
	/* Typed getters: 0 with *out set (to def if absent), or -1 with an
	 * error naming value, key, section, file and line recorded through
	 * fail() ("invalid literal for int() with base 10: 'x' for 'port' in
	 * section 'plugin:ftp' (file: '/etc/stheno.conf', line 4)"): return
	 * -1 from init as is.  A plugin that reads several keys reads them
	 * with one table instead: cfg_read (ABI 1.6), below. */
	int (*cfg_int)(struct sth_plugin *self, struct sth_section *s,
		       const char *key, long def, long *out);
	int (*cfg_bool)(struct sth_plugin *self, struct sth_section *s,
			const char *key, int def, int *out);
	int (*cfg_bytes)(struct sth_plugin *self, struct sth_section *s,
			 const char *key, long long def, long long *out);
	int (*cfg_octal)(struct sth_plugin *self, struct sth_section *s,
			 const char *key, long def, long *out);

	/* --- RPC registry: name -> handler(json params) -> result | fault */
	/* help and signature (a JSON array of arrays of type names, as
	 * system.methodSignature returns) may be NULL.  Fails if the name
	 * exists. */
	int (*rpc_register)(struct sth_plugin *self, const char *name,
			    sth_rpc_fn fn, void *arg, const char *help,
			    const char *signature_json);
	void (*rpc_unregister)(struct sth_plugin *self, const char *name);
	/* Answer a call: result is stolen. */
	void (*rpc_return)(struct sth_rpc_call *call, json_t *result);
	void (*rpc_fault)(struct sth_rpc_call *call, int code,
			  const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
	/* Tell a deferred handler when its caller has gone away: fn runs once
	 * and the call must then not be answered. */
	void (*rpc_on_cancel)(struct sth_rpc_call *call, sth_rpc_cancel_fn fn,
			      void *arg);
	/* Call a method.  If the answer is immediate, done runs before this
	 * returns and NULL is returned; otherwise the pending call is returned,
	 * and rpc_cancel drops it (done then never runs).  params is a JSON
	 * array, borrowed.  The handle stays valid until done ran or the
	 * plugin cancelled it: when an unload past its grace drops the call
	 * first, an rpc_cancel of it (from fini) does nothing. */
	struct sth_rpc_call *(*rpc_call)(struct sth_plugin *self,
					 const char *method, json_t *params,
					 sth_rpc_done_fn done, void *arg);
	void (*rpc_cancel)(struct sth_rpc_call *call);

	/* --- event bus: typed events ------------------------------------- */
	/* type is an event name or supertype ("PROCESS_STATE", "EVENT").
	 * Returns NULL for an unknown name. */
	struct sth_sub *(*bus_subscribe)(struct sth_plugin *self,
					 const char *type, sth_bus_fn fn,
					 void *arg);
	void (*bus_unsubscribe)(struct sth_sub *sub);
	/* 1 if name is a known event type or supertype. */
	int (*bus_type_known)(const char *name);
	/* Publish an event: payload is supervisor's text body
	 * (docs/supervisord.md §6.1), copied.  Returns the event's global
	 * serial, or -1 for an unknown type. */
	long (*bus_publish)(struct sth_plugin *self, const char *type,
			    const char *payload, size_t len);
	const char *(*event_name)(const struct sth_event *ev);
	const char *(*event_payload)(const struct sth_event *ev, size_t *len);
	long (*event_serial)(const struct sth_event *ev);

	/* --- services: named, versioned interfaces between plugins -------- */
	/* iface is borrowed and must stay valid until the plugin unregisters
	 * it or unloads.  Fails if the name is taken. */
	int (*service_register)(struct sth_plugin *self, const char *name,
				unsigned version, const void *iface);
	void (*service_unregister)(struct sth_plugin *self, const char *name);
	/* Look up a service of at least min_version and record that self uses
	 * it (its provider cannot unload until self releases it or unloads).
	 * NULL if absent or too old. */
	const void *(*service_acquire)(struct sth_plugin *self,
				       const char *name, unsigned min_version,
				       unsigned *version);
	void (*service_release)(struct sth_plugin *self, const char *name);

	/* --- vfs: a directory root that no path can escape -------------------
	 * Paths are virtual: "/" is the root; "." and ".." are resolved
	 * lexically and never rise above the root; a symlink is followed only
	 * if it stays beneath the root; NUL bytes are refused.  Functions
	 * return -errno on failure (-EACCES for any escape attempt). */
	struct sth_vfs *(*vfs_new)(struct sth_plugin *self, const char *root,
				   char **err);
	void (*vfs_free)(struct sth_vfs *v);
	/* Normalise path (relative to the virtual cwd, or absolute) into out
	 * as a clean virtual absolute path ("/a/b").  -ENAMETOOLONG if it does
	 * not fit. */
	int (*vfs_normalize)(const char *cwd, const char *path, char *out,
			     size_t outlen);
	/* Percent-decode a URL path into out, refusing %00 and encoded '/'
	 * (-EINVAL).  The result is then a vfs path. */
	int (*vfs_url_decode)(const char *in, char *out, size_t outlen);
	int (*vfs_open)(struct sth_vfs *v, const char *path, int flags,
			mode_t mode);
	int (*vfs_stat)(struct sth_vfs *v, const char *path, struct stat *st);
	int (*vfs_mkdir)(struct sth_vfs *v, const char *path, mode_t mode);
	int (*vfs_rmdir)(struct sth_vfs *v, const char *path);
	int (*vfs_unlink)(struct sth_vfs *v, const char *path);
	int (*vfs_rename)(struct sth_vfs *v, const char *from, const char *to);
	/* Open a directory for reading: the caller closedir()s it. */
	DIR *(*vfs_opendir)(struct sth_vfs *v, const char *path);

	/* --- ABI 1.1: listener pools ----------------------------------------
	 * The process table's [eventlistener:x] pools, for the plugin that
	 * speaks supervisor's listener protocol (stheno/evpool.h).  Check with
	 * STH_HOST_HAS(host, evpools). */
	const struct sth_evpool_api *(*evpools)(void);

	/* --- ABI 1.2: bindings ----------------------------------------------
	 * What a consumer registers through a provider's service (an HTTP
	 * handler, ...) is recorded by the provider with bind(), in the
	 * consumer's scope.  If the consumer unloads and leaves it behind,
	 * the host calls drop(obj) in the provider after the consumer's fini
	 * (and before its code is unmapped): the provider must then forget obj
	 * without calling into the consumer, whose code may no longer run.
	 * So a consumer that forgets to clean up can never leave the provider
	 * holding callbacks into unmapped code.  A provider that frees obj
	 * itself calls unbind() first; binding records still alive when the
	 * provider unloads are freed by the host without a drop.  consumer is
	 * the handle the consumer passed to the service (aborts if it is not a
	 * plugin's); bind returns NULL (nothing recorded) when consumer is
	 * provider itself or NULL (sthenod's core, which never unloads).
	 * Check with STH_HOST_HAS(host, bind). */
	struct sth_binding *(*bind)(struct sth_plugin *provider,
				    struct sth_plugin *consumer,
				    void (*drop)(void *obj), void *obj);
	void (*unbind)(struct sth_binding *b);

	/* --- ABI 1.3: descriptor classes ------------------------------------
	 * Make l a control listener (control = 1): its connections may use the
	 * descriptors kept for control connections, which those of other
	 * listeners never reach, so that a flood of a public server leaves the
	 * control servers answering (docs/stheno.conf.5.md, "DESCRIPTORS").
	 * Check with STH_HOST_HAS(host, listener_set_control). */
	void (*listener_set_control)(struct sth_listener *l, int control);

	/* --- ABI 1.4: a reload hands idle connections over -----------------
	 * While the plugin drains after a reload, c is idle at the protocol
	 * level (no request read and unanswered; the plugin has nothing more
	 * to write on it) and was accepted by a listener whose socket the new
	 * version took over: hand c to the new version, which gets it through
	 * its accept callback as a fresh connection, so that the client's next
	 * request on it reaches the new code.  Returns 0 if done (c is then
	 * freed, as by conn_free: drop every pointer to it), or -1 if c stays
	 * the caller's (not from a taken-over listener, or bytes are buffered
	 * in either direction).  Check with
	 * STH_HOST_HAS(host, conn_handover). */
	int (*conn_handover)(struct sth_conn *c);

	/* --- ABI 1.5: a bufferevent stacked on a connection -----------------
	 * Replace c's socket bufferevent with the one make() builds on the
	 * same descriptor: a TLS bufferevent from a library sthenod does not
	 * link (plugins/tls), for one.  Only on a fresh connection (nothing
	 * read or written yet): -1 otherwise, or if make returns NULL, and c
	 * is then unchanged.  make gets the loop and c's descriptor and
	 * returns a bufferevent that owns it (BEV_OPT_CLOSE_ON_FREE); the host
	 * frees the old one without closing the descriptor, puts its
	 * callbacks on the new one (reading and writing enabled), and
	 * conn_bev returns it from then on.  conn_handover refuses c after
	 * this (the session's state is not the descriptor's).  The new
	 * bufferevent's code must stay mapped until c is freed: a provider
	 * offering this through a service is kept loaded by its users.
	 * Check with STH_HOST_HAS(host, conn_wrap). */
	int (*conn_wrap)(struct sth_conn *c,
			 struct bufferevent *(*make)(struct event_base *base,
						     int fd, void *arg),
			 void *arg);

	/* --- ABI 1.6: typed section reading ----------------------------------
	 * Fill target from section s with the table opts (struct
	 * sth_cfg_option above): each key from s, else from fallback (NULL:
	 * none; a server section over the plugin's defaults, say), else its
	 * default; values are expanded as cfg_str's are.  Unknown keys are
	 * left alone.  s may be NULL: the defaults only.  Returns 0, or -1
	 * with the error recorded through fail() in sthenod's own words,
	 * naming the value, key, section, file and line ("not a valid
	 * boolean value: 'maybe' for 'anonymous' in section 'plugin:ftp'
	 * (file: '/etc/stheno.conf', line 4)"), and nothing left allocated
	 * in target: return -1 from init as is.  A table sthenod cannot read
	 * (an unknown type or flag, a wrong size) is such an error too.
	 * The strings it stores are the plugin's: cfg_release frees every
	 * one the table names (free() each yourself if you prefer) and sets
	 * it to NULL.  Check with STH_HOST_HAS(host, cfg_read). */
	int (*cfg_read)(struct sth_plugin *self, struct sth_section *s,
			struct sth_section *fallback,
			const struct sth_cfg_option *opts, void *target);
	void (*cfg_release)(const struct sth_cfg_option *opts, void *target);

	/* --- ABI 1.7: keeping an event's payload without a copy -------------
	 * Inside a bus callback: keep ev's payload (event_payload's pointer,
	 * its bytes and the NUL after them) valid and unchanged after the
	 * callback returns, until event_release(h), so that a subscriber
	 * that buffers events need not copy each one.  *room gets how many
	 * bytes in front of the payload the holder may write: scratch for a
	 * header sent with the payload in one write, shared with any other
	 * holder, so write it and send it in the same callback.  Returns
	 * NULL when the payload cannot be kept, and then copy it: most
	 * events, and a PROCESS_LOG event shorter than 32 KiB (it would pin
	 * a 128 KiB read buffer); a long one read in one piece can.  Holds
	 * left when fini returns are released by the host, logged as a
	 * leak.  Check with STH_HOST_HAS(host, event_hold). */
	struct sth_hold *(*event_hold)(struct sth_plugin *self,
				       const struct sth_event *ev,
				       size_t *room);
	void (*event_release)(struct sth_hold *h);
};

/* True if the running host has member m: needed only for members newer
 * than the plugin's STHENO_PLUGIN_ABI_MINOR. */
#define STH_HOST_HAS(host, m)                                                  \
	((host)->size >= offsetof(struct sth_host, m) + sizeof((host)->m) &&   \
	 (host)->m != NULL)

#ifdef __cplusplus
}
#endif
#endif /* STHENO_HOST_H */
