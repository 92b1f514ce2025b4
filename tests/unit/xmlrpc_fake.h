/*
 * xmlrpc_fake.h — a fake RPC registry behind struct xr_dispatch, for
 * the codec tests (test_jsonrpc.c, test_xmlrpc_plugin.c).
 *
 * Ownership: the fake owns its call records; a deferred call stays in
 * fake_pending[] until fake_answer() or a cancel.  Methods:
 *   t.echo      answers its params array at once
 *   t.fault     faults at once with code params[0] and string params[1]
 *   t.args      wants exactly one param, else fault 2 INCORRECT_PARAMETERS
 *   t.defer     answers later (fake_answer), with its params
 *   t.null      answers null at once
 *   anything else: fault 1 UNKNOWN_METHOD
 */
#ifndef XMLRPC_FAKE_H
#define XMLRPC_FAKE_H

#include "../../plugins/xmlrpc/xmlrpc.h"

#define FAKE_MAX 16

struct sth_rpc_call {
	sth_rpc_done_fn done;
	void *arg;
	json_t *params;
	int live;
};

extern struct xr_dispatch fake_dispatch;
extern struct sth_rpc_call *fake_pending[FAKE_MAX];
extern int fake_npending;	/* calls deferred and not yet answered */
extern int fake_ncalls;		/* calls made */
extern int fake_ncancels;	/* rpc_cancel calls */

void fake_reset(void);
/* Answer the i-th deferred call (in the order they were made). */
void fake_answer(int i);
/* Assert no call record is left (every deferred call answered or
 * cancelled). */
void fake_check_clean(void);

#endif
