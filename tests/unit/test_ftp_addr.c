/*
 * test_ftp_addr.c — plugins/ftp/addr.c: PORT, EPRT and EPSV arguments are
 * hostile input; PASV's reply; the same-host check that stops bounces.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>

#include "ftp.h"

Test(ftp_addr, port_good)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len;

	cr_assert_eq(ftp_parse_port("127,0,0,1,4,1", &ss, &len), 0);
	cr_assert_eq(ss.ss_family, AF_INET);
	cr_assert_eq(len, sizeof *sin);
	cr_assert_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);
	cr_assert_eq(ftp_sa_port((struct sockaddr *)&ss), 1025);
	cr_assert_eq(ftp_parse_port("255,255,255,255,255,255", &ss, &len), 0);
	cr_assert_eq(ftp_sa_port((struct sockaddr *)&ss), 65535);
}

Test(ftp_addr, port_hostile)
{
	static const char *const bad[] = {
		"", "1,2,3,4,5", "1,2,3,4,5,6,7", "256,0,0,1,4,0",
		"1,2,3,4,5,256", "-1,2,3,4,5,6", "1,,3,4,5,6", "1,2,3,4,5,6,",
		" 1,2,3,4,5,6", "1,2,3,4,5,6 ", "0001,2,3,4,5,6", "a,b,c,d,e,f",
		"1.2.3.4,5,6", "99999999999999999999,2,3,4,5,6", "1,2,3,4,5,6\n",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(ftp_parse_port(bad[i], &ss, &len), -1, "'%s'",
		    bad[i]);
}

Test(ftp_addr, eprt)
{
	static const char *const bad[] = {
		"", "|1|127.0.0.1|2000", "|1|127.0.0.1||", "|1||2000|",
		"|1|127.0.0.1|0|", "|1|127.0.0.1|65536|", "|1|::1|2000|",
		"|2|127.0.0.1|2000|", "|1|127.0.0.1|2000|x", "1|1|1.2.3.4|5|",
		"|12|1.2.3.4|5|", "|1|1.2.3.4|123456|", "||127.0.0.1|2000|",
		"|1|127.0.0.1 |2000|", "|1|" "1111111111111111111111111111111111"
		"11111111111111111111111111|2000|",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;

	cr_assert_eq(ftp_parse_eprt("|1|127.0.0.1|2000|", &ss, &len), 0);
	cr_assert_eq(ss.ss_family, AF_INET);
	cr_assert_eq(ftp_sa_port((struct sockaddr *)&ss), 2000);
	cr_assert_eq(ftp_parse_eprt("!2!::1!65535!", &ss, &len), 0);
	cr_assert_eq(ss.ss_family, AF_INET6);
	cr_assert_eq(ftp_sa_port((struct sockaddr *)&ss), 65535);
	cr_assert_eq(ftp_parse_eprt("|3|1.2.3.4|5|", &ss, &len), -2);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(ftp_parse_eprt(bad[i], &ss, &len), -1, "'%s'",
		    bad[i]);
}

Test(ftp_addr, epsv)
{
	cr_assert_eq(ftp_parse_epsv(NULL), 0);
	cr_assert_eq(ftp_parse_epsv(""), 0);
	cr_assert_eq(ftp_parse_epsv("1"), 1);
	cr_assert_eq(ftp_parse_epsv("2"), 2);
	cr_assert_eq(ftp_parse_epsv("ALL"), FTP_EPSV_ALL);
	cr_assert_eq(ftp_parse_epsv("all"), FTP_EPSV_ALL);
	cr_assert_eq(ftp_parse_epsv("3"), -2);
	cr_assert_eq(ftp_parse_epsv("1 "), -1);
	cr_assert_eq(ftp_parse_epsv("x"), -1);
	cr_assert_eq(ftp_parse_epsv("1000"), -1);
	cr_assert_eq(ftp_parse_epsv("ALLX"), -1);
}

Test(ftp_addr, pasv_reply_and_same_host)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 }, v6 = m;
	char out[128];

	inet_pton(AF_INET, "192.168.1.20", &a.sin_addr);
	cr_assert_eq(ftp_fmt_pasv((struct sockaddr *)&a, 50001, out,
	    sizeof out), 0);
	cr_assert_str_eq(out, "Entering Passive Mode (192,168,1,20,195,81).");
	inet_pton(AF_INET6, "::ffff:192.168.1.20", &m.sin6_addr);
	cr_assert_eq(ftp_fmt_pasv((struct sockaddr *)&m, 1, out, sizeof out),
	    0);
	cr_assert_str_eq(out, "Entering Passive Mode (192,168,1,20,0,1).");
	inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
	cr_assert_eq(ftp_fmt_pasv((struct sockaddr *)&v6, 1, out, sizeof out),
	    -1);
	cr_assert(ftp_same_host((struct sockaddr *)&a, (struct sockaddr *)&m));
	cr_assert_not(ftp_same_host((struct sockaddr *)&a,
	    (struct sockaddr *)&v6));
	cr_assert_eq(ftp_sa_family((struct sockaddr *)&m), 1);
	cr_assert_eq(ftp_sa_family((struct sockaddr *)&v6), 2);
	a.sin_port = htons(21);
	cr_assert(ftp_same_host((struct sockaddr *)&a, (struct sockaddr *)&m),
	    "ports do not matter");
	inet_pton(AF_INET, "192.168.1.21", &a.sin_addr);
	cr_assert_not(ftp_same_host((struct sockaddr *)&a,
	    (struct sockaddr *)&m));
}
