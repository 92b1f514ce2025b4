/*
 * children.h — end a process-table unit test without orphans.  The tests
 * of daemon/proc_*.c spawn real programs (sleep 30, sh -c ...), and
 * freeing the table, as a test's teardown does, does not stop them.
 *
 * Ownership: nothing is kept; the children are killed and reaped.
 */
#ifndef TESTS_UNIT_CHILDREN_H
#define TESTS_UNIT_CHILDREN_H

/* SIGKILL every child of this process, with its process group (the
 * process table gives each program a group of its own), and reap it. */
void test_kill_children(void);

#endif
