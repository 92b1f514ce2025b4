/*
 * ctor.c — a shared object whose constructor leaves a mark: it creates the
 * file named by $TP_MARKER (if set) the moment the dynamic linker maps it,
 * before any descriptor check could run.  A loader that refuses a file
 * must never let this happen.  Built several ways (tests/unit/plugin.inc):
 *
 *   (nothing)        a valid plugin called "ctor": its mark proves the
 *                    constructor does run once a file is accepted
 *   CTOR_NODESC      no sth_plugin_descriptor at all
 *   CTOR_FUNC        sth_plugin_descriptor is a function, not data
 *   CTOR_BADABI      a descriptor for plugin ABI major 99
 *   STHENO_PLUGIN_ABI_MINOR=0
 *                    a valid plugin that needs only host ABI 1.0
 *
 * Ownership: nothing but the marker file, which the test removes.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <stheno/stheno.h>

__attribute__((constructor)) static void
ctor_mark(void)
{
	const char *marker = getenv("TP_MARKER");
	int fd;

	if (marker != NULL && (fd = open(marker, O_WRONLY | O_CREAT |
	    O_CLOEXEC, 0600)) != -1)
		close(fd);
}

#if defined(CTOR_NODESC)
int ctor_answer(void);

__attribute__((visibility("default"))) int
ctor_answer(void)
{
	return 42;
}
#elif defined(CTOR_FUNC)
int sth_plugin_descriptor(void);

__attribute__((visibility("default"))) int
sth_plugin_descriptor(void)
{
	return 42;
}
#else
static int
ctor_init(struct sth_plugin *self, const struct sth_host *host)
{
	return 0;
}

static void
ctor_fini(struct sth_plugin *self)
{
}

#ifdef CTOR_BADABI
__attribute__((visibility("default")))
const struct sth_plugin_descriptor sth_plugin_descriptor = {
	99, STHENO_ABI_MINOR, sizeof(struct sth_plugin_descriptor), 0,
	"ctor", "1", "a constructor and a descriptor for ABI 99", NULL,
	ctor_init, NULL, ctor_fini,
};
#else
STHENO_PLUGIN("ctor", "1", "a plugin with a constructor", NULL, ctor_init,
    NULL, ctor_fini);
#endif
#endif
