/*
 * stheno/stheno.h — everything a plugin includes.
 *
 * Ownership: this header owns nothing; see plugin.h (the descriptor, owned by
 * the plugin's .so) and host.h (the host API table, owned by sthenod).
 */
#ifndef STHENO_STHENO_H
#define STHENO_STHENO_H
#include <stheno/plugin.h>
#include <stheno/host.h>
#endif
