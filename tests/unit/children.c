/*
 * children.c — see children.h.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "children.h"

/* pid's parent from /proc/pid/stat (the field after the ")" of the name
 * and the state letter), or -1. */
static pid_t
parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;
	int ppid;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

void
test_kill_children(void)
{
	DIR *d;
	struct dirent *de;
	pid_t me = getpid(), pid;
	char *end;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		pid = (pid_t)strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0 || parent_of(pid) != me)
			continue;
		kill(-pid, SIGKILL);	/* its group: sh -c's own children */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	closedir(d);
}
