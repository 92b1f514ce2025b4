/*
 * replay.c — a standalone driver for the fuzz targets, so that make check
 * replays every seed corpus through every target without libFuzzer.
 *
 * Usage: replay_<target> [DIR|FILE]...  With no argument the corpus the
 * build compiled in (FUZZ_CORPUS) is replayed.  Each file is fed once to
 * LLVMFuzzerTestOneInput, after one empty input; a crash or abort fails the
 * test, and finding no input at all is a hard error (exit 99), so a corpus
 * that went missing is not a silent pass.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define REPLAY_MAXINPUT (1024 * 1024)

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static size_t replayed;

static int
replay_file(const char *path)
{
	static unsigned char buf[REPLAY_MAXINPUT];
	size_t len;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof buf, f);
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	replayed++;
	return 0;
}

static int
replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	char file[4096];
	int i, n, rc = 0;

	if (stat(path, &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if ((n = scandir(path, &names, NULL, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(file) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
#ifdef FUZZ_CORPUS
	char *def[] = { argv[0], (char *)FUZZ_CORPUS, NULL };
#endif
	int i, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
#ifdef FUZZ_CORPUS
	if (argc < 2) {
		argc = 2;
		argv = def;
	}
#endif
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 99;
	}
	LLVMFuzzerTestOneInput((const unsigned char *)"", 0);
	for (i = 1; i < argc; i++)
		if (replay_path(argv[i]) == -1)
			rc = 99;
	printf("replay: %zu inputs, no crash\n", replayed);
	if (replayed == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 99;
	}
	return rc;
}
