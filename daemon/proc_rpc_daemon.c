/*
 * proc_rpc_daemon.c — the supervisor.* methods about the daemon itself
 * (docs/supervisord.md §4.4): versions, identification, state, pid, shutdown
 * and restart, and sendRemoteCommEvent.
 *
 * shutdown and restart answer true at once and act a moment later, from
 * the loop, through the same paths as SIGTERM and SIGHUP (signals.h), so
 * that the answer leaves before the daemon starts going down.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bus.h"
#include "log.h"
#include "proc.h"
#include "rpc.h"
#include "signals.h"
#include "sthenod.h"
#include "xmalloc.h"

/* The XML-RPC API level supervisorctl's upcheck requires. */
#define PROC_API_VERSION "3.0"
/* The supervisor release whose API and behaviour we reproduce; tools that
 * gate features on getSupervisorVersion see what they know
 * (docs/compatibility.md). */
#define PROC_SUPERVISOR_VERSION "4.2.5"

/* How long shutdown/restart wait before acting, so the answer is sent. */
#define PROC_REQUEST_DELAY_USEC 100000

static void
m_get_api_version(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	rpc_return(call, json_string(PROC_API_VERSION));
}

static void
m_get_supervisor_version(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	rpc_return(call, json_string(PROC_SUPERVISOR_VERSION));
}

static void
m_get_identification(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	rpc_return(call, json_string(proc_globals.identifier != NULL ?
	    proc_globals.identifier : "supervisor"));
}

static const struct {
	int code;
	const char *name;
} daemon_states[] = {
	{ STH_STATE_FATAL, "FATAL" },
	{ STH_STATE_RUNNING, "RUNNING" },
	{ STH_STATE_RESTARTING, "RESTARTING" },
	{ STH_STATE_SHUTDOWN, "SHUTDOWN" },
};

static void
m_get_state(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	const char *name = "UNKNOWN";
	size_t i;

	for (i = 0; i < sizeof daemon_states / sizeof daemon_states[0]; i++)
		if (daemon_states[i].code == sth.state)
			name = daemon_states[i].name;
	rpc_return(call, json_pack("{s:i,s:s}", "statecode", sth.state,
	    "statename", name));
}

static void
m_get_pid(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	rpc_return(call, json_integer(sth.pid != 0 ? sth.pid : getpid()));
}

/*
 * The delayed half of shutdown/restart.  The state the method set is still
 * the one wanted unless a signal came first (SIGTERM after restart wins);
 * main.c's actions start from RUNNING, so hand it back for the call.
 */
static void
request_cb(evutil_socket_t fd, short what, void *arg)
{
	int want = (int)(intptr_t)arg;

	if (sth.state != want)
		return;
	sth.state = STH_STATE_RUNNING;
	if (signals_request(want == STH_STATE_SHUTDOWN ? SIGTERM :
	    SIGHUP) == -1) {
		log_warn("no %s action installed",
		    want == STH_STATE_SHUTDOWN ? "shutdown" : "restart");
		sth.state = want;
	}
}

static void
request(struct sth_rpc_call *call, int want)
{
	struct timeval tv = { 0, PROC_REQUEST_DELAY_USEC };

	sth.state = want;
	if (sth.base != NULL && event_base_once(sth.base, -1, EV_TIMEOUT,
	    request_cb, (void *)(intptr_t)want, &tv) == -1)
		log_warn("could not schedule the %s",
		    want == STH_STATE_SHUTDOWN ? "shutdown" : "restart");
	rpc_return(call, json_true());
}

static void
m_shutdown(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	request(call, STH_STATE_SHUTDOWN);
}

static void
m_restart(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	request(call, STH_STATE_RESTARTING);
}

/* REMOTE_COMMUNICATION, even while shutting down (no state check). */
static void
m_send_remote_comm_event(struct sth_rpc_call *call, json_t *pa, void *arg)
{
	json_t *type, *data;
	size_t tl, dl;
	char *buf;

	if (json_array_size(pa) != 2 ||
	    !json_is_string(type = json_array_get(pa, 0)) ||
	    !json_is_string(data = json_array_get(pa, 1))) {
		rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS, NULL);
		return;
	}
	tl = json_string_length(type);
	dl = json_string_length(data);
	buf = xmalloc(5 + tl + 1 + dl + 1);
	memcpy(buf, "type:", 5);
	memcpy(buf + 5, json_string_value(type), tl);
	buf[5 + tl] = '\n';
	memcpy(buf + 6 + tl, json_string_value(data), dl);
	buf[6 + tl + dl] = '\0';
	bus_publish("REMOTE_COMMUNICATION", buf, 6 + tl + dl);
	free(buf);
	rpc_return(call, json_true());
}

/*
 * supervisor's backward-compatibility aliases are the same Python function
 * (rpcinterface.py: "readProcessLog = readProcessStdoutLog # b/c alias"),
 * so they share its docstring and signature: one macro makes both rows.
 */
/* getAPIVersion, and its alias getVersion. */
#define METHOD_GET_API_VERSION(name) \
	{ name, m_get_api_version, \
	  PROC_PARAMS(0, 0), "[\"string\"]", \
	  " Return the version of the RPC API used by supervisord\n" \
	  "\n" \
	  "        @return string version id\n" \
	  "        " }

static const struct proc_method daemon_methods[] = {
	METHOD_GET_API_VERSION("supervisor.getAPIVersion"),
	METHOD_GET_API_VERSION("supervisor.getVersion"),
	{ "supervisor.getSupervisorVersion", m_get_supervisor_version,
	  PROC_PARAMS(0, 0), "[\"string\"]",
	  " Return the version of the supervisor package in use by "
	  "supervisord\n"
	  "\n"
	  "        @return string version id\n"
	  "        " },
	{ "supervisor.getIdentification", m_get_identification,
	  PROC_PARAMS(0, 0), "[\"string\"]",
	  " Return identifying string of supervisord\n"
	  "\n"
	  "        @return string identifier identifying string\n"
	  "        " },
	{ "supervisor.getState", m_get_state,
	  PROC_PARAMS(0, 0), "[\"struct\"]",
	  " Return current state of supervisord as a struct\n"
	  "\n"
	  "        @return struct A struct with keys int statecode, string "
	  "statename\n"
	  "        " },
	{ "supervisor.getPID", m_get_pid,
	  PROC_PARAMS(0, 0), "[\"int\"]",
	  " Return the PID of supervisord\n"
	  "\n"
	  "        @return int PID\n"
	  "        " },
	{ "supervisor.shutdown", m_shutdown,
	  PROC_PARAMS(0, 0), "[\"boolean\"]",
	  " Shut down the supervisor process\n"
	  "\n"
	  "        @return boolean result always returns True unless error\n"
	  "        " },
	{ "supervisor.restart", m_restart,
	  PROC_PARAMS(0, 0), "[\"boolean\"]",
	  " Restart the supervisor process\n"
	  "\n"
	  "        @return boolean result  always return True unless error\n"
	  "        " },
	{ "supervisor.sendRemoteCommEvent", m_send_remote_comm_event,
	  PROC_PARAMS_OWN, "[\"boolean\",\"string\",\"string\"]",
	  " Send an event that will be received by event listener\n"
	  "        subprocesses subscribing to the RemoteCommunicationEvent.\n"
	  "\n"
	  "        @param  string  type  String for the \"type\" key in the "
	  "event header\n"
	  "        @param  string  data  Data for the event body\n"
	  "        @return boolean       Always return True unless error\n"
	  "        " },
};

void
proc_rpc_daemon_register(void)
{
	proc_rpc_table(daemon_methods, sizeof daemon_methods /
	    sizeof daemon_methods[0]);
}
