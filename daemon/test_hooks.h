/*
 * test_hooks.h — entry points that only the unit tests and fuzzers call.
 *
 * Ownership: each function belongs to the core file named beside it, which
 * includes this header so that the compiler checks the definition against
 * the prototype.  No daemon or plugin code may call them: they switch
 * strategies or read counters that the daemon itself never needs.  Keeping
 * them here keeps the production headers (vfs.h, rpc.h, ...) to what the
 * daemon uses.
 */
#ifndef STHENO_TEST_HOOKS_H
#define STHENO_TEST_HOOKS_H

struct logfile;
struct sth_plugin;

/* vfs.c: force the openat(O_NOFOLLOW) walk even where openat2 works
 * (on != 0). */
void vfs_force_fallback(int on);
/* vfs.c: the strategy the next operation uses, "openat2" or "walk" (known
 * once the first vfs_new has probed the kernel; "walk" before). */
const char *vfs_strategy(void);

/* rpc.c: call records alive (tests assert it returns to its baseline). */
int rpc_live_calls(void);

/* proc_tick.c: which TICK_* timers are armed, bits 0, 1, 2: TICK_5, _60,
 * _3600. */
int proc_tick_armed(void);

/* plugin.c: how long an unload waits for connections and pending calls
 * before closing them (default 5 seconds). */
void plugins_set_grace(double seconds);

/* service.c: the number of services provider offers. */
int service_count(struct sth_plugin *provider);

/* logfile.c: current size of the current file (bytes written since
 * open/rotation for non-seekable targets). */
long long logfile_size(const struct logfile *);

#endif /* STHENO_TEST_HOOKS_H */
