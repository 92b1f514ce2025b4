/*
 * hello.c — a complete small stheno plugin: an RPC method and a timer.
 *
 * Ownership: the plugin's state is the one static struct below; everything
 * in it was made through the host table and is freed in hello_fini (the
 * host would free it anyway, but would log each as a leak).
 *
 *   hello.greet(name)  -> "Hello, NAME!"   (fault 2 without a string)
 *   hello.ticks()      -> how often the timer has fired
 *
 * The timer's period comes from the plugin's own config section:
 *
 *   [plugin:hello]
 *   path = /path/to/hello.so      ; optional: else found on the plugin path
 *   interval = 5                  ; seconds, 1 to 86400 (default 60)
 *
 * Build: make (see Makefile and README.md).
 */
#include <stdio.h>
#include <string.h>

#include <stheno/stheno.h>

static const struct sth_host *host;

static struct {
	struct sth_timer *timer;
	long ticks;
} hello;

/*
 * [plugin:hello], read by the host with one table: the key, its type, the
 * member it goes to, its default as you would write it, its bounds.  A
 * bad value fails init with the host's message, which names the value,
 * the key, the section, the file and the line.
 */
static struct hello_conf {
	long interval;		/* seconds */
} conf;

static const struct sth_cfg_option hello_opts[] = {
	STH_CFG_OPTION("interval", STH_CFG_INT, 0, struct hello_conf,
	    interval, "60", 1, 86400),
	STH_CFG_END
};

static void
hello_tick(struct sth_timer *t, void *arg)
{
	hello.ticks++;
	host->log(arg, STH_LOG_DEBG, "hello: tick %ld", hello.ticks);
}

/* params is borrowed; the result we pass to rpc_return is stolen. */
static void
hello_greet(struct sth_rpc_call *call, json_t *params, void *arg)
{
	const char *name = json_string_value(json_array_get(params, 0));
	char buf[256];

	if (json_array_size(params) != 1 || name == NULL) {
		host->rpc_fault(call, STH_FAULT_INCORRECT_PARAMETERS,
		    "hello.greet takes one string");
		return;
	}
	snprintf(buf, sizeof buf, "Hello, %s!", name);
	host->rpc_return(call, json_string(buf));
}

static void
hello_ticks(struct sth_rpc_call *call, json_t *params, void *arg)
{
	host->rpc_return(call, json_integer(hello.ticks));
}

static int
hello_init(struct sth_plugin *self, const struct sth_host *h)
{
	host = h;
	memset(&hello, 0, sizeof hello);
	if (host->cfg_read(self, host->config(self), NULL, hello_opts,
	    &conf) != 0)
		return -1;	/* the host has said why */

	if (host->rpc_register(self, "hello.greet", hello_greet, NULL,
	    "Greet someone.\n@param string name\n@return string greeting",
	    "[\"string\", \"string\"]") != 0 ||
	    host->rpc_register(self, "hello.ticks", hello_ticks, NULL,
	    "How often the timer has fired.\n@return int ticks",
	    "[\"int\"]") != 0)
		return host->fail(self, "cannot register hello.* methods");

	hello.timer = host->timer_new(self, hello_tick, self);
	host->timer_start(hello.timer, (double)conf.interval, 1);
	host->log(self, STH_LOG_INFO, "hello: greeting every %ld seconds",
	    conf.interval);
	return 0;		/* on -1 the host undoes all of the above */
}

/* Unload has begun: stop starting new work. */
static void
hello_drain(struct sth_plugin *self)
{
	host->timer_stop(hello.timer);
}

static void
hello_fini(struct sth_plugin *self)
{
	host->timer_free(hello.timer);
	host->rpc_unregister(self, "hello.greet");
	host->rpc_unregister(self, "hello.ticks");
}

STHENO_PLUGIN("hello", "1.0", "an example: hello.greet and a timer", NULL,
    hello_init, hello_drain, hello_fini);
