/* main.c — sthenod's entry point (being written: see issue 2). */
#include "config.h"
#include <stdio.h>
#include "sthenod.h"
int
main(void)
{
	printf("sthenod %s\n", STHENO_VERSION);
	return 0;
}
