/*
 * stheno/stheno.h — what every plugin includes: the descriptor and the host
 * table.  A plugin that uses another plugin's service includes that
 * service's header too: <stheno/http.h> for an HTTP extension (the "http"
 * service), <stheno/evpool.h> for the listener pools (host->evpools).
 *
 * Ownership: this header owns nothing; see plugin.h (the descriptor, owned by
 * the plugin's .so) and host.h (the host API table, owned by sthenod).
 */
#ifndef STHENO_STHENO_H
#define STHENO_STHENO_H
#include <stheno/plugin.h>
#include <stheno/host.h>
#endif
