/*
 * nodesc.c — a shared object that is not a stheno plugin: it exports a
 * function but no sth_plugin_descriptor, so the loader must refuse it with
 * a message that says so.
 */
int nodesc_answer(void);

__attribute__((visibility("default"))) int
nodesc_answer(void)
{
	return 42;
}
