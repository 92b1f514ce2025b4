/*
 * test_evl_chars.c — the two scans every PROCESS_LOG event goes through on
 * its way to a listener, both skipping ASCII 128 bytes a step: the len:
 * count of plugins/eventlistener/chars.c (Python characters) and the UTF-8
 * check of daemon/proc_events.c behind proc_decode_data.  Each is compared
 * with a byte-at-a-time reference at every length and alignment around the
 * word and block sizes, so a wrong lane or a lost tail shows.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "proc.h"
#include "../../plugins/eventlistener/evl.h"

static size_t
ref_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

Test(evl_chars, known_strings)
{
	cr_assert_eq(evl_chars("", 0), 0);
	cr_assert_eq(evl_chars("abc", 3), 3);
	/* "héllo wörld, ça va ✓ 😀" */
	cr_assert_eq(evl_chars("h\xc3\xa9llo w\xc3\xb6rld, \xc3\xa7" "a va "
	    "\xe2\x9c\x93 \xf0\x9f\x98\x80", 29), 22);
	/* a repr payload is ASCII: one character a byte */
	cr_assert_eq(evl_chars("Undecodable: b'\\xff'", 20), 20);
}

Test(evl_chars, every_length_and_alignment)
{
	static const unsigned char pool[] = { 'x', '\n', 0x00, 0x7f, 0x80,
	    0xbf, 0xc3, 0xa9, 0xe2, 0xf0, 0xff };
	char *buf = malloc(4096 + 16);
	size_t len, off, i;

	srand(7);
	for (len = 0; len < 4096; len += len < 80 ? 1 : 97)
		for (off = 0; off < 8; off++) {
			/* mostly ASCII every other round, so that whole
			 * blocks are skipped and sparse ones counted */
			for (i = 0; i < len; i++)
				buf[off + i] = (off & 1) && rand() % 40 != 0 ?
				    'x' : (char)pool[rand() % sizeof pool];
			cr_assert_eq(evl_chars(buf + off, len),
			    ref_chars(buf + off, len), "len %zu off %zu",
			    len, off);
		}
	free(buf);
}

Test(evl_chars, long_runs_of_continuation_bytes)
{
	/* more than 255 words: the lane counters are folded in time */
	size_t len = 8 * 1000 + 5;
	char *buf = malloc(len);

	memset(buf, 0x80, len);
	cr_assert_eq(evl_chars(buf, len), 0);
	buf[0] = 'a';
	buf[len - 1] = 'z';
	cr_assert_eq(evl_chars(buf, len), 2);
	free(buf);
}

/* proc_decode_data: valid UTF-8 as it is, else supervisord's repr. */
static void
check_decode(const char *data, size_t len, const char *want)
{
	char *got = proc_decode_data(data, len);

	cr_assert_str_eq(got, want);
	free(got);
}

Test(utf8_valid, invalid_byte_at_every_position)
{
	char buf[80], want[400];
	size_t len, at, o;

	for (len = 1; len <= 80; len++)
		for (at = 0; at < len; at++) {
			memset(buf, 'a', len);
			buf[at] = (char)0xff;
			o = (size_t)snprintf(want, sizeof want,
			    "Undecodable: b'");
			memset(want + o, 'a', at);
			o += at;
			o += (size_t)snprintf(want + o, sizeof want - o,
			    "\\xff");
			memset(want + o, 'a', len - at - 1);
			o += len - at - 1;
			snprintf(want + o, sizeof want - o, "'");
			check_decode(buf, len, want);
		}
}

Test(utf8_valid, invalid_byte_after_ascii_blocks)
{
	/* past 128 bytes ASCII goes a block at a time: a bad byte in any
	 * block, at any offset of a block, is still found */
	char buf[600], *got;
	size_t len, at;

	for (len = 120; len <= sizeof buf; len += 37)
		for (at = 0; at < len; at++) {
			memset(buf, 'y', len);
			buf[at] = (char)0x80;
			got = proc_decode_data(buf, len);
			cr_assert(strncmp(got, "Undecodable: ", 13) == 0,
			    "len %zu, bad byte at %zu taken as text", len, at);
			free(got);
		}
}

Test(utf8_valid, sequences_after_ascii_runs)
{
	/* a multi-byte character right after 8, 16 ASCII bytes is checked */
	check_decode("abcdefgh\xc3\xa9", 10, "abcdefgh\xc3\xa9");
	check_decode("abcdefghijklmnop\xe2\x9c\x93", 19,
	    "abcdefghijklmnop\xe2\x9c\x93");
	/* cut in the middle after a run */
	check_decode("abcdefgh\xc3", 9, "Undecodable: b'abcdefgh\\xc3'");
	/* overlong and surrogate after a run */
	check_decode("abcdefgh\xc0\x80", 10,
	    "Undecodable: b'abcdefgh\\xc0\\x80'");
	check_decode("abcdefghijklmnop\xed\xa0\x80", 19,
	    "Undecodable: b'abcdefghijklmnop\\xed\\xa0\\x80'");
}
