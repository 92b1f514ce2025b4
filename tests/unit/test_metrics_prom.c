/*
 * test_metrics_prom.c — the Prometheus text writer of the metrics
 * extension: HELP/TYPE lines, label and help escaping, values; and the
 * shared formatting helpers of status and metrics.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../../plugins/http/metrics/prom.h"

Test(prom, family_and_sample)
{
	struct dbuf b = DBUF_INIT;
	const char *l[] = { "group", "g", "name", "n", NULL };

	prom_family(&b, "x_total", "counter", "Things.");
	prom_sample(&b, "x_total", l, 3);
	prom_sample(&b, "x_total", NULL, 0.5);
	cr_assert_str_eq(b.data, "# HELP x_total Things.\n"
	    "# TYPE x_total counter\n"
	    "x_total{group=\"g\",name=\"n\"} 3\n"
	    "x_total 0.5\n");
	dbuf_free(&b);
}

Test(prom, label_escaping)
{
	struct dbuf b = DBUF_INIT;
	const char *l[] = { "name", "a\"b\\c\nd", NULL };

	prom_sample(&b, "m", l, 1);
	cr_assert_str_eq(b.data, "m{name=\"a\\\"b\\\\c\\nd\"} 1\n");
	dbuf_free(&b);
}

Test(prom, help_escaping_keeps_quotes)
{
	struct dbuf b = DBUF_INIT;

	prom_family(&b, "m", "gauge", "a \"q\" \\ and\nnewline");
	cr_assert_str_eq(b.data, "# HELP m a \"q\" \\\\ and\\nnewline\n"
	    "# TYPE m gauge\n");
	dbuf_free(&b);
}

Test(prom, values)
{
	struct dbuf b = DBUF_INIT;

	prom_value(&b, 1795628835);
	dbuf_puts(&b, " ");
	prom_value(&b, -2);
	dbuf_puts(&b, " ");
	prom_value(&b, NAN);
	dbuf_puts(&b, " ");
	prom_value(&b, INFINITY);
	dbuf_puts(&b, " ");
	prom_value(&b, -INFINITY);
	dbuf_puts(&b, " ");
	prom_value(&b, 0.25);
	cr_assert_str_eq(b.data, "1795628835 -2 NaN +Inf -Inf 0.25");
	dbuf_free(&b);
}

Test(ext, html_escaping)
{
	struct dbuf b = DBUF_INIT;

	ext_buf_html(&b, "<script>\"x\" & 'y'</script>");
	cr_assert_str_eq(b.data, "&lt;script&gt;&quot;x&quot; &amp; "
	    "&#39;y&#39;&lt;/script&gt;");
	dbuf_free(&b);
}

Test(ext, uptime_and_bytes)
{
	char buf[64];

	ext_format_uptime(3725, buf, sizeof buf);
	cr_assert_str_eq(buf, "1:02:05");
	ext_format_uptime(2 * 86400 + 61, buf, sizeof buf);
	cr_assert_str_eq(buf, "2 days, 0:01:01");
	ext_format_uptime(86400, buf, sizeof buf);
	cr_assert_str_eq(buf, "1 day, 0:00:00");
	ext_format_bytes(512, buf, sizeof buf);
	cr_assert_str_eq(buf, "512 B");
	ext_format_bytes(1536, buf, sizeof buf);
	cr_assert_str_eq(buf, "1.5 KB");
	ext_format_bytes(10 * 1024 * 1024, buf, sizeof buf);
	cr_assert_str_eq(buf, "10.0 MB");
}

Test(ext, daemon_start_is_in_the_past)
{
	time_t t = ext_daemon_started(), now = time(NULL);

	cr_assert_leq(t, now);
	/* this test process started moments ago */
	cr_assert_geq(t, now - 120);
}
