/*
 * evl_listener.c — a byte-exact event listener for tests and the benchmark:
 * reads the header line, then exactly len: bytes, and answers
 * "RESULT 2\nOK" together with the next "READY\n" in one write.
 *
 *   evl_listener RECORD [SECONDS COUNTFILE]
 *
 * RECORD ("-" for none) gets every header line and payload appended as they
 * came.  With SECONDS, the number of events acknowledged in the SECONDS
 * after the first one is written to COUNTFILE with the time they took,
 * their payload bytes and how many events of the pool the daemon discarded
 * meanwhile (the gaps in poolserial: an event is sent oldest first, so one
 * skipped is one that overflowed the buffer): "EVENTS SECONDS BYTES
 * DISCARDED" (the listener goes on).
 */
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char in[1 << 17];
static size_t inlen, inoff;

static int
fill(void)
{
	ssize_t n;

	if (inoff == inlen)
		inoff = inlen = 0;
	for (;;) {
		n = read(0, in + inlen, sizeof in - inlen);
		if (n > 0) {
			inlen += (size_t)n;
			return 0;
		}
		if (n == -1 && errno == EINTR)
			continue;
		return -1;
	}
}

static void
put(const char *s, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(1, s, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			exit(1);
		s += w;
		n -= (size_t)w;
	}
}

static double
now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	static const char answer[] = "RESULT 2\nOKREADY\n";
	static char line[8192], *payload;
	FILE *rec = NULL, *cf;
	size_t ll, len, got, k;
	char *nl, *l;
	double secs = 0, first = 0;
	long count = 0, reported = 0, ps = 0, ps0 = 0;
	unsigned long long bytes = 0;

	if (argc > 1 && strcmp(argv[1], "-") != 0)
		rec = fopen(argv[1], "ab");
	if (argc > 3)
		secs = strtod(argv[2], NULL);
	put("READY\n", 6);
	for (;;) {
		/* the header line */
		while ((nl = memchr(in + inoff, '\n', inlen - inoff)) == NULL) {
			if (inoff > 0) {
				memmove(in, in + inoff, inlen - inoff);
				inlen -= inoff;
				inoff = 0;
			}
			if (fill() == -1)
				return 0;
		}
		ll = (size_t)(nl - (in + inoff)) + 1;
		if (ll >= sizeof line)
			return 2;
		memcpy(line, in + inoff, ll);
		line[ll] = '\0';
		inoff += ll;
		if ((l = strstr(line, " len:")) == NULL)
			return 3;
		len = strtoul(l + 5, NULL, 10);
		if ((l = strstr(line, " poolserial:")) != NULL)
			ps = strtol(l + 12, NULL, 10);
		payload = realloc(payload, len + 1);
		for (got = 0; got < len;) {
			if (inoff == inlen && fill() == -1)
				return 0;
			k = inlen - inoff < len - got ? inlen - inoff : len - got;
			memcpy(payload + got, in + inoff, k);
			inoff += k;
			got += k;
		}
		if (rec != NULL) {
			fwrite(line, 1, ll, rec);
			fwrite(payload, 1, len, rec);
			fflush(rec);
		}
		put(answer, sizeof answer - 1);
		count++;
		bytes += len;
		if (secs > 0) {
			if (first == 0) {
				first = now();
				ps0 = ps;
				count = 0;
				bytes = 0;
			} else if (!reported && now() - first >= secs) {
				reported = 1;
				if ((cf = fopen(argv[3], "w")) != NULL) {
					fprintf(cf, "%ld %.3f %llu %ld\n", count,
					    now() - first, bytes, ps - ps0 - count);
					fclose(cf);
				}
			}
		}
	}
}
