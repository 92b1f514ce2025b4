/*
 * proc_rpc_help.c — the docstring and signature of every supervisor.*
 * method, as system.methodHelp and system.methodSignature return them
 * (docs/supervisord.md §4.5).  The text is supervisor 4.2.5's own docstrings,
 * byte for byte (indentation included, as Python's str(func.__doc__) gives
 * them), and each signature is what supervisor derives from the @param/@return
 * tags.  Regenerate from rpcinterface.py rather than editing by hand: one
 * entry per Python function, its aliases in proc_help_alias, and the
 * stdout/stderr twins from one macro each.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "proc.h"

/* readProcessStdoutLog and readProcessStderrLog: one docstring but for the
 * channel's name. */
#define HELP_READ_PROCESS(ch)						\
	" Read length bytes from name's " ch " log starting at offset\n"	\
	"\n"								\
	"        @param string name        the name of the process (or 'group:name')\n" \
	"        @param int offset         offset to start reading from.\n"	\
	"        @param int length         number of bytes to read from the log.\n" \
	"        @return string result     Bytes of log\n"			\
	"        "

/* tailProcessStdoutLog and tailProcessStderrLog, likewise (ch and Ch: the
 * channel's name in lower case and capitalised). */
#define HELP_TAIL_PROCESS(ch, Ch)					\
	"\n"								\
	"        Provides a more efficient way to tail the (" ch ") log than\n" \
	"        readProcess" Ch "Log().  Use readProcess" Ch "Log() to read\n" \
	"        chunks and tailProcess" Ch "Log() to tail.\n"		\
	"\n"								\
	"        Requests (length) bytes from the (name)'s log, starting at\n" \
	"        (offset).  If the total log size is greater than (offset +\n" \
	"        length), the overflow flag is set and the (offset) is\n"	\
	"        automatically increased to position the buffer at the end of\n" \
	"        the log.  If less than (length) bytes are available, the\n"	\
	"        maximum number of available bytes will be returned.  (offset)\n" \
	"        returned is always the last offset in the log +1.\n"	\
	"\n"								\
	"        @param string name         the name of the process (or 'group:name')\n" \
	"        @param int offset          offset to start reading from\n"	\
	"        @param int length          maximum number of bytes to return\n" \
	"        @return array result       [string bytes, int offset, bool overflow]\n" \
	"        "

static const struct {
	const char *name;
	const char *sig;
	const char *help;
} proc_help[] = {
	{ "supervisor.addProcessGroup", "[\"boolean\",\"string\"]",
	  " Update the config for a running process from config file.\n"
	  "\n"
	  "        @param string name         name of process group to add\n"
	  "        @return boolean result     true if successful\n"
	  "        " },
	{ "supervisor.clearAllProcessLogs", "[\"array\"]",
	  " Clear all process log files\n"
	  "\n"
	  "        @return array result   An array of process status info structs\n"
	  "        " },
	{ "supervisor.clearLog", "[\"boolean\"]",
	  " Clear the main log.\n"
	  "\n"
	  "        @return boolean result always returns True unless error\n"
	  "        " },
	{ "supervisor.clearProcessLogs", "[\"boolean\",\"string\"]",
	  " Clear the stdout and stderr logs for the named process and\n"
	  "        reopen them.\n"
	  "\n"
	  "        @param string name   The name of the process (or 'group:name')\n"
	  "        @return boolean result      Always True unless error\n"
	  "        " },
	{ "supervisor.getAPIVersion", "[\"string\"]",
	  " Return the version of the RPC API used by supervisord\n"
	  "\n"
	  "        @return string version id\n"
	  "        " },
	{ "supervisor.getAllConfigInfo", "[\"array\"]",
	  " Get info about all available process configurations. Each struct\n"
	  "        represents a single process (i.e. groups get flattened).\n"
	  "\n"
	  "        @return array result  An array of process config info structs\n"
	  "        " },
	{ "supervisor.getAllProcessInfo", "[\"array\"]",
	  " Get info about all processes\n"
	  "\n"
	  "        @return array result  An array of process status results\n"
	  "        " },
	{ "supervisor.getIdentification", "[\"string\"]",
	  " Return identifying string of supervisord\n"
	  "\n"
	  "        @return string identifier identifying string\n"
	  "        " },
	{ "supervisor.getPID", "[\"int\"]",
	  " Return the PID of supervisord\n"
	  "\n"
	  "        @return int PID\n"
	  "        " },
	{ "supervisor.getProcessInfo", "[\"struct\",\"string\"]",
	  " Get info about a process named name\n"
	  "\n"
	  "        @param string name The name of the process (or 'group:name')\n"
	  "        @return struct result     A structure containing data about the process\n"
	  "        " },
	{ "supervisor.getState", "[\"struct\"]",
	  " Return current state of supervisord as a struct\n"
	  "\n"
	  "        @return struct A struct with keys int statecode, string statename\n"
	  "        " },
	{ "supervisor.getSupervisorVersion", "[\"string\"]",
	  " Return the version of the supervisor package in use by supervisord\n"
	  "\n"
	  "        @return string version id\n"
	  "        " },
	{ "supervisor.readLog", "[\"string\",\"int\",\"int\"]",
	  " Read length bytes from the main log starting at offset\n"
	  "\n"
	  "        @param int offset         offset to start reading from.\n"
	  "        @param int length         number of bytes to read from the log.\n"
	  "        @return string result     Bytes of log\n"
	  "        " },
	{ "supervisor.readProcessStderrLog", "[\"string\",\"string\",\"int\",\"int\"]",
	  HELP_READ_PROCESS("stderr") },
	{ "supervisor.readProcessStdoutLog", "[\"string\",\"string\",\"int\",\"int\"]",
	  HELP_READ_PROCESS("stdout") },
	{ "supervisor.reloadConfig", "[\"array\"]",
	  "\n"
	  "        Reload the configuration.\n"
	  "\n"
	  "        The result contains three arrays containing names of process\n"
	  "        groups:\n"
	  "\n"
	  "        * `added` gives the process groups that have been added\n"
	  "        * `changed` gives the process groups whose contents have\n"
	  "          changed\n"
	  "        * `removed` gives the process groups that are no longer\n"
	  "          in the configuration\n"
	  "\n"
	  "        @return array result  [[added, changed, removed]]\n"
	  "\n"
	  "        " },
	{ "supervisor.removeProcessGroup", "[\"boolean\",\"string\"]",
	  " Remove a stopped process from the active configuration.\n"
	  "\n"
	  "        @param string name         name of process group to remove\n"
	  "        @return boolean result     Indicates whether the removal was successful\n"
	  "        " },
	{ "supervisor.restart", "[\"boolean\"]",
	  " Restart the supervisor process\n"
	  "\n"
	  "        @return boolean result  always return True unless error\n"
	  "        " },
	{ "supervisor.sendProcessStdin", "[\"boolean\",\"string\",\"string\"]",
	  " Send a string of chars to the stdin of the process name.\n"
	  "        If non-7-bit data is sent (unicode), it is encoded to utf-8\n"
	  "        before being sent to the process' stdin.  If chars is not a\n"
	  "        string or is not unicode, raise INCORRECT_PARAMETERS.  If the\n"
	  "        process is not running, raise NOT_RUNNING.  If the process'\n"
	  "        stdin cannot accept input (e.g. it was closed by the child\n"
	  "        process), raise NO_FILE.\n"
	  "\n"
	  "        @param string name        The process name to send to (or 'group:name')\n"
	  "        @param string chars       The character data to send to the process\n"
	  "        @return boolean result    Always return True unless error\n"
	  "        " },
	{ "supervisor.sendRemoteCommEvent", "[\"boolean\",\"string\",\"string\"]",
	  " Send an event that will be received by event listener\n"
	  "        subprocesses subscribing to the RemoteCommunicationEvent.\n"
	  "\n"
	  "        @param  string  type  String for the \"type\" key in the event header\n"
	  "        @param  string  data  Data for the event body\n"
	  "        @return boolean       Always return True unless error\n"
	  "        " },
	{ "supervisor.shutdown", "[\"boolean\"]",
	  " Shut down the supervisor process\n"
	  "\n"
	  "        @return boolean result always returns True unless error\n"
	  "        " },
	{ "supervisor.signalAllProcesses", "[\"array\",\"string\"]",
	  " Send a signal to all processes in the process list\n"
	  "\n"
	  "        @param string signal  Signal to send, as name ('HUP') or number ('1')\n"
	  "        @return array         An array of process status info structs\n"
	  "        " },
	{ "supervisor.signalProcess", "[\"boolean\",\"string\",\"string\"]",
	  " Send an arbitrary UNIX signal to the process named by name\n"
	  "\n"
	  "        @param string name    Name of the process to signal (or 'group:name')\n"
	  "        @param string signal  Signal to send, as name ('HUP') or number ('1')\n"
	  "        @return boolean\n"
	  "        " },
	{ "supervisor.signalProcessGroup", "[\"array\",\"string\",\"string\"]",
	  " Send a signal to all processes in the group named 'name'\n"
	  "\n"
	  "        @param string name    The group name\n"
	  "        @param string signal  Signal to send, as name ('HUP') or number ('1')\n"
	  "        @return array\n"
	  "        " },
	{ "supervisor.startAllProcesses", "[\"array\",\"boolean\"]",
	  " Start all processes listed in the configuration file\n"
	  "\n"
	  "        @param boolean wait    Wait for each process to be fully started\n"
	  "        @return array result   An array of process status info structs\n"
	  "        " },
	{ "supervisor.startProcess", "[\"boolean\",\"string\",\"boolean\"]",
	  " Start a process\n"
	  "\n"
	  "        @param string name Process name (or ``group:name``, or ``group:*``)\n"
	  "        @param boolean wait Wait for process to be fully started\n"
	  "        @return boolean result     Always true unless error\n"
	  "\n"
	  "        " },
	{ "supervisor.startProcessGroup", "[\"array\",\"string\",\"boolean\"]",
	  " Start all processes in the group named 'name'\n"
	  "\n"
	  "        @param string name     The group name\n"
	  "        @param boolean wait    Wait for each process to be fully started\n"
	  "        @return array result   An array of process status info structs\n"
	  "        " },
	{ "supervisor.stopAllProcesses", "[\"array\",\"boolean\"]",
	  " Stop all processes in the process list\n"
	  "\n"
	  "        @param  boolean wait   Wait for each process to be fully stopped\n"
	  "        @return array result   An array of process status info structs\n"
	  "        " },
	{ "supervisor.stopProcess", "[\"boolean\",\"string\",\"boolean\"]",
	  " Stop a process named by name\n"
	  "\n"
	  "        @param string name  The name of the process to stop (or 'group:name')\n"
	  "        @param boolean wait        Wait for the process to be fully stopped\n"
	  "        @return boolean result     Always return True unless error\n"
	  "        " },
	{ "supervisor.stopProcessGroup", "[\"array\",\"string\",\"boolean\"]",
	  " Stop all processes in the process group named 'name'\n"
	  "\n"
	  "        @param string name     The group name\n"
	  "        @param boolean wait    Wait for each process to be fully stopped\n"
	  "        @return array result   An array of process status info structs\n"
	  "        " },
	{ "supervisor.tailProcessStderrLog", "[\"array\",\"string\",\"int\",\"int\"]",
	  HELP_TAIL_PROCESS("stderr", "Stderr") },
	{ "supervisor.tailProcessStdoutLog", "[\"array\",\"string\",\"int\",\"int\"]",
	  HELP_TAIL_PROCESS("stdout", "Stdout") },
};

/* supervisor's backward-compatibility aliases are the same Python function
 * (rpcinterface.py: "readProcessLog = readProcessStdoutLog # b/c alias"),
 * so they have its docstring and signature. */
static const struct {
	const char *alias;
	const char *name;
} proc_help_alias[] = {
	{ "supervisor.clearProcessLog", "supervisor.clearProcessLogs" },
	{ "supervisor.getVersion", "supervisor.getAPIVersion" },
	{ "supervisor.readMainLog", "supervisor.readLog" },
	{ "supervisor.readProcessLog", "supervisor.readProcessStdoutLog" },
	{ "supervisor.tailProcessLog", "supervisor.tailProcessStdoutLog" },
};

static const char *
proc_help_canonical(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof proc_help_alias / sizeof proc_help_alias[0]; i++)
		if (strcmp(proc_help_alias[i].alias, name) == 0)
			return proc_help_alias[i].name;
	return name;
}

const char *
proc_rpc_help(const char *name, const char **sig)
{
	size_t i;

	name = proc_help_canonical(name);
	for (i = 0; i < sizeof proc_help / sizeof proc_help[0]; i++)
		if (strcmp(proc_help[i].name, name) == 0) {
			*sig = proc_help[i].sig;
			return proc_help[i].help;
		}
	*sig = NULL;
	return NULL;
}
