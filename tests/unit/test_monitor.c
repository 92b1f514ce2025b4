/*
 * test_monitor.c — plugins/monitor: SHA-256 (plugins/common/digest.c, as
 * the monitor and sthenoctl use it) against the FIPS 180-4 examples and
 * Python's hashlib around the padding boundaries, HMAC-SHA256 against
 * RFC 4231, the monitor's proofs against Python's hmac, nonces and
 * endpoint names, the response framing, the tokenizer and the quoting
 * sthenoctl relies on, and the command table (cmd.c) through mon_dispatch
 * with the session's answers recorded by the fakes below.
 *
 * Ownership: each test owns the session it builds on the stack; the fakes
 * record into the file-level `got`, reset by each test.
 */
#include "config.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "digest.h"
#include "monitor.h"

struct mon M;

/* --- fakes of plugin.c: record the last answer --------------------------- */

static struct {
	int n;			/* answers so far */
	int status;
	char body[4096];
	int json;
	char method[64];
	char params[256];
	int auth;
} got;

void
mon_reply(struct mon_sess *s, int status, const char *body, size_t len)
{
	got.n++;
	got.status = status;
	snprintf(got.body, sizeof got.body, "%.*s", (int)len, body);
}

void
mon_replyf(struct mon_sess *s, int status, const char *fmt, ...)
{
	va_list ap;

	got.n++;
	got.status = status;
	va_start(ap, fmt);
	vsnprintf(got.body, sizeof got.body, fmt, ap);
	va_end(ap);
}

void
mon_reply_data(struct mon_sess *s, int status, json_t *data, const char *text)
{
	json_decref(data);
	got.json = s->json;
	mon_reply(s, status, text, strlen(text));
}

time_t
mon_now(void)
{
	return 1000;
}

void
mon_banner(struct mon_sess *s)
{
	mon_replyf(s, MON_OK, "banner");
}

void
mon_challenge(struct mon_sess *s)
{
	mon_replyf(s, MON_AUTH, "challenge");
}

void
mon_auth(struct mon_sess *s, int argc, char **argv)
{
	got.auth++;
	mon_replyf(s, MON_OK, "authed %s", argv[1]);
}

void
mon_call(struct mon_sess *s, const char *method, json_t *params)
{
	char *p = json_dumps(params, JSON_COMPACT);

	got.n++;
	snprintf(got.method, sizeof got.method, "%s", method);
	snprintf(got.params, sizeof got.params, "%s", p);
	free(p);
}

static void
reset(struct mon_sess *s, int authed)
{
	memset(&got, 0, sizeof got);
	json_decref(s->argv);
	memset(s, 0, sizeof *s);
	s->authed = authed;
}

static void
run(struct mon_sess *s, const char *line)
{
	mon_dispatch(s, line, strlen(line));
}

/* --- SHA-256 ---------------------------------------------------------------- */

static void
hex(const uint8_t *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t d[DIGEST_SHA256_SIZE];
	struct digest s;

	digest_sha256_init(&s);
	digest_update(&s, data, len);
	digest_final(&s, d);
	hex(d, sizeof d, out);
}

Test(digest_sha256, fips_180_4_examples)
{
	static const char *const two_blocks =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	struct digest s;
	uint8_t d[32], a[1000];
	char out[65];
	int i;

	sha256_hex("abc", 3, out);
	cr_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	sha256_hex("", 0, out);
	cr_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	sha256_hex(two_blocks, strlen(two_blocks), out);
	cr_assert_str_eq(out, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
	/* a million 'a', fed in pieces that straddle blocks */
	memset(a, 'a', sizeof a);
	digest_sha256_init(&s);
	for (i = 0; i < 1000; i++)
		digest_update(&s, a, sizeof a);
	digest_final(&s, d);
	hex(d, sizeof d, out);
	cr_assert_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

Test(digest_sha256, matches_hashlib_around_padding)
{
	char cmd[256], want[80], out[65], buf[200];
	size_t len;
	FILE *p;

	memset(buf, 'x', sizeof buf);
	for (len = 0; len <= 130; len++) {
		snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c 'import "
		    "hashlib; print(hashlib.sha256(b\"x\" * %zu).hexdigest())'",
		    len);
		cr_assert_not_null(p = popen(cmd, "r"));
		cr_assert_not_null(fgets(want, sizeof want, p));
		pclose(p);
		want[strcspn(want, "\n")] = '\0';
		sha256_hex(buf, len, out);
		cr_assert_str_eq(out, want, "length %zu", len);
	}
}

/* RFC 4231 §4: test cases 1-4, 6 and 7 (5 is truncated output). */
Test(digest_sha256, hmac_rfc_4231)
{
	static const struct {
		uint8_t key[131];
		size_t klen;
		uint8_t fill;		/* key bytes if key[] is empty */
		const char *data;
		uint8_t dfill;		/* data: 50 times this if data NULL */
		const char *mac;
	} v[] = {
		{ { 0 }, 20, 0x0b, "Hi There", 0,
		  "b0344c61d8db38535ca8afceaf0bf12b"
		  "881dc200c9833da726e9376c2e32cff7" },
		{ "Jefe", 4, 0, "what do ya want for nothing?", 0,
		  "5bdcc146bf60754e6a042426089575c7"
		  "5a003f089d2739839dec58b964ec3843" },
		{ { 0 }, 20, 0xaa, NULL, 0xdd,
		  "773ea91e36800e46854db8ebd09181a7"
		  "2959098b3ef8c122d9635514ced565fe" },
		{ { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		    17, 18, 19, 20, 21, 22, 23, 24, 25 }, 25, 0, NULL, 0xcd,
		  "82558a389a443c0ea4cc819899f2083a"
		  "85f0faa3e578f8077a2e3ff46729665b" },
		{ { 0 }, 131, 0xaa, "Test Using Larger Than Block-Size Key - "
		  "Hash Key First", 0,
		  "60e431591ee0b67f0d8a26aacbf5b77f"
		  "8e0bc6213728c5140546040f0ee37f54" },
		{ { 0 }, 131, 0xaa, "This is a test using a larger than "
		  "block-size key and a larger than block-size data. The key "
		  "needs to be hashed before being used by the HMAC "
		  "algorithm.", 0,
		  "9b09ffa71b942fcb27635fbcd5b0e944"
		  "bfdc63644f0713938a7f51535c3a35e2" },
	};
	uint8_t key[131], data[50];
	char out[65];
	size_t i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		if (v[i].fill != 0)
			memset(key, v[i].fill, v[i].klen);
		else
			memcpy(key, v[i].key, v[i].klen);
		memset(data, v[i].dfill, sizeof data);
		if (v[i].data != NULL)
			digest_hmac_sha256_hex(key, v[i].klen, v[i].data,
			    strlen(v[i].data), out);
		else
			digest_hmac_sha256_hex(key, v[i].klen, data,
			    sizeof data, out);
		cr_assert_str_eq(out, v[i].mac, "case %zu", i);
	}
}

Test(digest_sha256, hmac_matches_python_for_a_challenge)
{
	char out[65];

	digest_hmac_sha256_hex("sekrit\n", 7,
	    "0123456789abcdef0123456789abcdef", 32, out);
	cr_assert_str_eq(out, "3d8ba3c6f8e5d89666f98441f10755b8"
	    "b307289bbde66e7a1b2d5cd98cda57d0");
}

/* --- the mutual challenge-response (auth.c) ------------------------------ */

Test(monitor_auth, proofs_match_python)
{
	/* hmac.new(k, ("stheno-monitor %s\n%s\n%s\n%s" % (role, sn, cn,
	 * endpoint)).encode(), hashlib.sha256).hexdigest() */
	static const char k[] = "sekrit, sixteen+ bytes\n";
	static const char sn[] = "0123456789abcdef0123456789abcdef";
	static const char cn[] = "fedcba9876543210fedcba9876543210";
	char out[MON_PROOF_LEN + 1];

	mon_proof(k, sizeof k - 1, MON_ROLE_CLIENT, sn, cn,
	    "tcp:127.0.0.1:9999", out);
	cr_assert_str_eq(out, "f1a100ebaa00367b2947d0fb685db376"
	    "806ec72cab3470f72592b29fedf015a0");
	mon_proof(k, sizeof k - 1, MON_ROLE_SERVER, sn, cn,
	    "tcp:127.0.0.1:9999", out);
	cr_assert_str_eq(out, "60fbc232bef93e9d29639071c6337fbf"
	    "99f5a51f8b595c39201d4493049ee55d");
	/* another endpoint: another proof (a relay's answer is no good) */
	mon_proof(k, sizeof k - 1, MON_ROLE_CLIENT, sn, cn,
	    "unix:/run/stheno/monitor.sock", out);
	cr_assert_str_eq(out, "23c0c3a36fb57eae7f9f8264e8a1ab4b"
	    "1f72676d0be2686699d7fcd2b1a12793");
}

Test(monitor_auth, nonces_and_endpoints)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	char a[MON_NONCE_LEN + 1], b[MON_NONCE_LEN + 1], ep[MON_ENDPOINT_MAX];

	mon_nonce(a);
	mon_nonce(b);
	cr_assert(mon_nonce_valid(a));
	cr_assert_str_neq(a, b);
	cr_assert_not(mon_nonce_valid("0123456789ABCDEF0123456789abcdef"));
	cr_assert_not(mon_nonce_valid("0123456789abcdef0123456789abcde"));
	cr_assert_not(mon_nonce_valid("0123456789abcdef0123456789abcdef0"));
	cr_assert_not(mon_nonce_valid(""));

	in.sin_port = htons(9999);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(mon_endpoint_inet((struct sockaddr *)&in, ep,
	    sizeof ep), 0);
	cr_assert_str_eq(ep, "tcp:127.0.0.1:9999");
	/* an IPv4-mapped address is named as the IPv4 client sees it */
	in6.sin6_port = htons(9999);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	cr_assert_eq(mon_endpoint_inet((struct sockaddr *)&in6, ep,
	    sizeof ep), 0);
	cr_assert_str_eq(ep, "tcp:127.0.0.1:9999");
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	cr_assert_eq(mon_endpoint_inet((struct sockaddr *)&in6, ep,
	    sizeof ep), 0);
	cr_assert_str_eq(ep, "tcp:[::1]:9999");
	in.sin_family = AF_UNIX;
	cr_assert_eq(mon_endpoint_inet((struct sockaddr *)&in, ep,
	    sizeof ep), -1);
	mon_endpoint_unix("/nonexistent/x.sock", ep, sizeof ep);
	cr_assert_str_eq(ep, "unix:/nonexistent/x.sock");
	mon_endpoint_unix("/", ep, sizeof ep);
	cr_assert_str_eq(ep, "unix:/");
}

/* --- framing ---------------------------------------------------------------- */

Test(monitor_proto, header_is_varnish_framing)
{
	char h[MON_HEADER_LEN + 1];
	size_t len;
	int st;

	mon_frame_header(h, 200, 19);
	cr_assert_str_eq(h, "200 19      \n");
	cr_assert_eq(strlen(h), 13);
	mon_frame_header(h, 107, 59);
	cr_assert_str_eq(h, "107 59      \n");
	mon_frame_header(h, 500, 12345678);
	cr_assert_str_eq(h, "500 12345678\n");
	cr_assert_eq(mon_parse_header("300 4096    \n", &st, &len), 0);
	cr_assert_eq(st, 300);
	cr_assert_eq(len, 4096);
	/* right-aligned lengths parse too */
	cr_assert_eq(mon_parse_header("200        7\n", &st, &len), 0);
	cr_assert_eq(len, 7);
	cr_assert_eq(mon_parse_header("20x 4       \n", &st, &len), -1);
	cr_assert_eq(mon_parse_header("200 4 4     \n", &st, &len), -1);
	cr_assert_eq(mon_parse_header("200         \n", &st, &len), -1);
	cr_assert_eq(mon_parse_header("200 4       x", &st, &len), -1);
}

/* --- tokenizer and quoting ---------------------------------------------------- */

static struct mon_argv
tok(const char *line, int want_argc)
{
	struct mon_argv a;
	const char *err = NULL;

	cr_assert_eq(mon_tokenize(line, strlen(line), &a, &err), 0,
	    "%s: %s", line, err);
	cr_assert_eq(a.argc, want_argc, "%s: %d words", line, a.argc);
	cr_assert_null(a.argv[a.argc]);
	return a;
}

Test(monitor_proto, tokenizer_words_and_quotes)
{
	struct mon_argv a;

	a = tok("  rpc\tsupervisor.getState   ", 2);
	cr_assert_str_eq(a.argv[0], "rpc");
	cr_assert_str_eq(a.argv[1], "supervisor.getState");
	mon_argv_free(&a);
	a = tok("rpc x '[\"a b\", true]'", 3);
	cr_assert_str_eq(a.argv[2], "[\"a b\", true]");
	mon_argv_free(&a);
	a = tok("a\"b c\"'d e'f \"\" ''", 3);
	cr_assert_str_eq(a.argv[0], "ab cd ef");
	cr_assert_str_eq(a.argv[1], "");
	cr_assert_str_eq(a.argv[2], "");
	mon_argv_free(&a);
	a = tok("ping\r", 1);	/* a CRLF line */
	cr_assert_str_eq(a.argv[0], "ping");
	mon_argv_free(&a);
	a = tok("", 0);
	mon_argv_free(&a);
}

Test(monitor_proto, tokenizer_escapes)
{
	struct mon_argv a;

	a = tok("\"t\\tn\\nr\\rq\\\"b\\\\\" \"\\101\\x42\\x4a\\7\"", 2);
	cr_assert_str_eq(a.argv[0], "t\tn\nr\rq\"b\\");
	cr_assert_str_eq(a.argv[1], "ABJ\a");
	mon_argv_free(&a);
	a = tok("a\\ b 'single \\n stays' \\'", 3);
	cr_assert_str_eq(a.argv[0], "a b");
	cr_assert_str_eq(a.argv[1], "single \\n stays");
	cr_assert_str_eq(a.argv[2], "'");
	mon_argv_free(&a);
}

Test(monitor_proto, tokenizer_refuses)
{
	struct mon_argv a;
	const char *err;
	char line[4 * MON_MAX_ARGS + 8], *big;
	int i;

	cr_assert_eq(mon_tokenize("say \"hi", 7, &a, &err), -1);
	cr_assert_str_eq(err, "unterminated \"quote\"");
	cr_assert_eq(mon_tokenize("say 'hi", 7, &a, &err), -1);
	cr_assert_eq(mon_tokenize("a\0b", 3, &a, &err), -1);
	cr_assert_str_eq(err, "a NUL byte in the line");
	line[0] = '\0';
	for (i = 0; i <= MON_MAX_ARGS; i++)
		strncat(line, "w ", sizeof line - strlen(line) - 1);
	cr_assert_eq(mon_tokenize(line, strlen(line), &a, &err), -1);
	cr_assert_str_eq(err, "too many words in the line");
	/* a word as long as a line may be is one word */
	big = malloc(MON_MAX_LINE + 1);
	memset(big, 'x', MON_MAX_LINE);
	big[MON_MAX_LINE] = '\0';
	a = tok(big, 1);
	cr_assert_eq(strlen(a.argv[0]), MON_MAX_LINE);
	mon_argv_free(&a);
	free(big);
}

Test(monitor_proto, quote_round_trips)
{
	static const char *const words[] = {
		"plain", "", "two words", "[\"x\", true]", "it's", "back\\slash",
		"tab\there", "new\nline", "\x01\x7f", "caf\xc3\xa9", "'\"'",
		"-j", "a;b#c",
	};
	struct dbuf s = DBUF_INIT;
	struct mon_argv a;
	const char *err;
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (i > 0)
			dbuf_add(&s, " ", 1);
		mon_quote(&s, words[i]);
	}
	cr_assert_eq(mon_tokenize(s.data, s.len, &a, &err), 0);
	cr_assert_eq((size_t)a.argc, sizeof words / sizeof words[0]);
	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		cr_assert_str_eq(a.argv[i], words[i], "word %zu", i);
	mon_argv_free(&a);
	dbuf_free(&s);
}

Test(monitor_proto, constant_time_compare)
{
	cr_assert(digest_equal("abcd", 4, "abcd", 4));
	cr_assert_not(digest_equal("abcd", 4, "abce", 4));
	cr_assert_not(digest_equal("xbcd", 4, "abcd", 4));
	cr_assert_not(digest_equal("abc", 3, "abcd", 4), "a prefix");
	cr_assert_not(digest_equal("abcd", 4, "abc", 3));
	cr_assert(digest_equal("", 0, "", 0));
}

/* --- the command table ------------------------------------------------------ */

Test(monitor_cmd, table_lookup)
{
	const struct mon_cmd *c;

	cr_assert_null(mon_cmd_find("eval"));
	cr_assert_null(mon_cmd_find("exec"));
	cr_assert_not_null(c = mon_cmd_find("plugin.load"));
	cr_assert_str_eq(c->method, "plugin.load");
	cr_assert_eq(c->min, 1);
	cr_assert_eq(c->max, 1);
	cr_assert_not(c->preauth);
	cr_assert(mon_cmd_find("ping")->preauth);
	cr_assert(mon_cmd_find("auth")->preauth);
	cr_assert(mon_cmd_find("challenge")->preauth);
	cr_assert(mon_cmd_find("quit")->preauth);
	cr_assert(mon_cmd_find("help")->preauth);
	cr_assert_not(mon_cmd_find("status")->preauth);
	cr_assert_not(mon_cmd_find("rpc")->preauth);
}

Test(monitor_cmd, before_auth_only_four_commands)
{
	struct mon_sess s = { 0 };

	reset(&s, 0);
	run(&s, "plugin.list");
	cr_assert_eq(got.status, MON_AUTH);
	run(&s, "rpc supervisor.shutdown");
	cr_assert_eq(got.status, MON_AUTH);
	cr_assert_str_eq(got.method, "");
	run(&s, "ping");
	cr_assert_eq(got.status, MON_OK);
	cr_assert_eq(strncmp(got.body, "PONG ", 5), 0);
	run(&s, "help");
	cr_assert_eq(got.status, MON_OK);
	cr_assert_str_eq(got.body, "help [command]\nping\n"
	    "auth <nonce> <proof>\nchallenge\nquit");
	run(&s, "help rpc");
	cr_assert_eq(got.status, MON_UNKNOWN);
	run(&s, "auth 00ff");
	cr_assert_eq(got.status, MON_PARAMS);
	cr_assert_eq(got.auth, 0);
	run(&s, "auth 00ff 11");
	cr_assert_eq(got.auth, 1);
	run(&s, "challenge");
	cr_assert_eq(got.status, MON_AUTH);
	run(&s, "quit");
	cr_assert_eq(got.status, MON_CLOSE);
	cr_assert_str_eq(got.body, "Closing CLI connection");
	cr_assert(s.closing);
	reset(&s, 0);
}

Test(monitor_cmd, errors_have_their_status)
{
	struct mon_sess s = { 0 };

	reset(&s, 1);
	run(&s, "eval 1+1");
	cr_assert_eq(got.status, MON_UNKNOWN);
	run(&s, "plugin.load");
	cr_assert_eq(got.status, MON_PARAMS);
	cr_assert_str_eq(got.body, "Too few parameters.\n"
	    "Usage: plugin.load <name>");
	run(&s, "plugin.unload a b");
	cr_assert_eq(got.status, MON_PARAMS);
	run(&s, "ping \"open");
	cr_assert_eq(got.status, MON_SYNTAX);
	run(&s, "rpc supervisor.startProcess [x");
	cr_assert_eq(got.status, MON_BADJSON);
	run(&s, "rpc supervisor.startProcess '{\"a\": 1}'");
	cr_assert_eq(got.status, MON_BADJSON);
	cr_assert_str_eq(got.method, "");
	/* a repeated key is refused, never "the last one wins" */
	run(&s, "rpc supervisor.startProcess '[{\"a\": 1, \"a\": 2}]'");
	cr_assert_eq(got.status, MON_BADJSON);
	cr_assert_str_eq(got.method, "");
	got.n = 0;
	run(&s, "   ");
	cr_assert_eq(got.n, 0, "an empty line gets no answer");
	reset(&s, 0);
}

Test(monitor_cmd, methods_get_their_params)
{
	struct mon_sess s = { 0 };

	reset(&s, 1);
	run(&s, "plugin.unload webui");
	cr_assert_str_eq(got.method, "plugin.unload");
	cr_assert_str_eq(got.params, "[\"webui\"]");
	run(&s, "rpc supervisor.startProcess '[\"x\", true]'");
	cr_assert_str_eq(got.method, "supervisor.startProcess");
	cr_assert_str_eq(got.params, "[\"x\",true]");
	run(&s, "rpc supervisor.getState");
	cr_assert_str_eq(got.params, "[]");
	cr_assert_not(s.json);
	run(&s, "-j plugin.list");
	cr_assert_str_eq(got.method, "plugin.list");
	cr_assert(s.json);
	cr_assert_eq(json_array_size(s.argv), 2);
	cr_assert_str_eq(json_string_value(json_array_get(s.argv, 0)), "-j");
	run(&s, "-j ping");
	cr_assert(got.json);
	reset(&s, 0);
}

/* --- penalties (penalty.c) ------------------------------------------------ */

Test(monitor_penalty, three_failures_then_doubling_up_to_the_cap)
{
	struct mon_penalties t = { 3, 5, NULL };
	long expect[] = { 5, 10, 20, 40, 80, 160, 320, 600, 600 };
	size_t i;

	cr_assert_eq(mon_penalty_fail(&t, "10.0.0.1", 100), 0);
	cr_assert_eq(mon_penalty_fail(&t, "10.0.0.1", 101), 0);
	cr_assert_eq(mon_penalty_left(&t, "10.0.0.1", 101), 0,
	    "two failures are not yet a penalty");
	cr_assert_eq(mon_penalty_fail(&t, "10.0.0.1", 102), 5);
	cr_assert_eq(mon_penalty_left(&t, "10.0.0.1", 102), 5);
	cr_assert_eq(mon_penalty_left(&t, "10.0.0.1", 106), 1);
	cr_assert_eq(mon_penalty_left(&t, "10.0.0.1", 107), 0, "served");
	cr_assert_eq(mon_penalty_left(&t, "10.0.0.2", 102), 0,
	    "another address is not touched");
	cr_assert_eq(mon_penalty_active(&t, 102), 1);
	for (i = 1; i < sizeof expect / sizeof expect[0]; i++)
		cr_assert_eq(mon_penalty_fail(&t, "10.0.0.1", 200), expect[i],
		    "failure %zu", i + 3);
	mon_penalty_clear(&t, "10.0.0.1");
	cr_assert_eq(mon_penalty_left(&t, "10.0.0.1", 200), 0,
	    "a right answer forgets");
	cr_assert_eq(mon_penalty_fail(&t, "10.0.0.1", 200), 0, "from zero");
	cr_assert_eq(mon_penalty_active(&t, 200), 0);
	mon_penalty_free(&t);
}

Test(monitor_penalty, quiet_peers_are_forgotten_and_zero_turns_it_off)
{
	struct mon_penalties t = { 2, 30, NULL }, off = { 0, 5, NULL };
	int i;

	mon_penalty_fail(&t, "uid 1000", 0);
	cr_assert_eq(mon_penalty_fail(&t, "uid 1000", MON_PENALTY_FORGET + 1),
	    0, "the first failure was too long ago");
	cr_assert_eq(mon_penalty_fail(&t, "uid 1000", MON_PENALTY_FORGET + 2),
	    30);
	for (i = 0; i < 10; i++)
		cr_assert_eq(mon_penalty_fail(&off, "10.0.0.1", i), 0);
	cr_assert_null(off.slot, "nothing allocated when off");
	mon_penalty_free(&t);
}

Test(monitor_penalty, a_flood_of_addresses_evicts_the_oldest_not_grows)
{
	struct mon_penalties t = { 1, 5, NULL };
	char key[32];
	int i;

	cr_assert_eq(mon_penalty_fail(&t, "victim", 10), 5);
	for (i = 0; i < MON_PENALTY_SLOTS - 1; i++) {
		snprintf(key, sizeof key, "10.1.%d.%d", i / 256, i % 256);
		mon_penalty_fail(&t, key, 11);
	}
	cr_assert_eq(mon_penalty_left(&t, "victim", 12), 3, "still in");
	cr_assert_eq(mon_penalty_active(&t, 12), MON_PENALTY_SLOTS);
	mon_penalty_fail(&t, "newcomer", 12);
	cr_assert_eq(mon_penalty_left(&t, "victim", 12), 0,
	    "the oldest failure gave up its slot");
	cr_assert_eq(mon_penalty_left(&t, "newcomer", 12), 5);
	cr_assert_eq(mon_penalty_active(&t, 12), MON_PENALTY_SLOTS);
	mon_penalty_free(&t);
}
