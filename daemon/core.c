/* core.c — the daemon-wide state (sthenod.h). */
#include "config.h"

#include "sthenod.h"

struct sthenod sth = {
	.state = STH_STATE_RUNNING,
};
