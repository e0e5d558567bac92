/* Device URIs of daemon.md, and the mistakes a user makes with them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uri.h"

static struct pd_uri parse_ok(const char *text)
{
	struct pd_uri u;
	char err[256] = "";
	int rc = pd_uri_parse(text, &u, err, sizeof err);
	if (rc != 0)
		fail_msg("%s: %s", text, err);
	return u;
}

static void plain_path_is_serial(void **state)
{
	(void)state;
	struct pd_uri u = parse_ok("/dev/ttyACM0");
	assert_int_equal(u.scheme, PD_URI_SERIAL);
	assert_string_equal(u.path, "/dev/ttyACM0");
	assert_string_equal(u.protocol, "auto");
	assert_int_equal(u.params.unit, -1);
	assert_int_equal(u.params.poll_char, -1);
}

static void serial_with_query(void **state)
{
	(void)state;
	struct pd_uri u = parse_ok("serial:/dev/ttyUSB0?baud=921600&protocol=pmf&id=left");
	assert_int_equal(u.scheme, PD_URI_SERIAL);
	assert_string_equal(u.path, "/dev/ttyUSB0");
	assert_int_equal(u.baud, 921600);
	assert_string_equal(u.protocol, "pmf");
	assert_string_equal(u.id, "left");
}

static void geometry_options_after_plain_path(void **state)
{
	(void)state;
	struct pd_uri u = parse_ok("/dev/pts/3?id=mat1&protocol=sensitronics&rows=16&cols=24&pitch_mm=12.5"
				   "&units_per_count=0.25&unit=kPa&full_scale=254&poll=A");
	assert_string_equal(u.path, "/dev/pts/3");
	assert_int_equal(u.params.rows, 16);
	assert_int_equal(u.params.cols, 24);
	assert_float_equal(u.params.pitch_mm, 12.5, 1e-6);
	assert_float_equal(u.params.units_per_count, 0.25, 1e-6);
	assert_int_equal(u.params.unit, 1);
	assert_int_equal(u.params.full_scale, 254);
	assert_int_equal(u.params.poll_char, 'A');
}

static void tcp_host_port(void **state)
{
	(void)state;
	struct pd_uri u = parse_ok("tcp:bridge.local:2000");
	assert_int_equal(u.scheme, PD_URI_TCP);
	assert_string_equal(u.host, "bridge.local");
	assert_int_equal(u.port, 2000);
	u = parse_ok("tcp:[::1]:4001?protocol=ascii");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 4001);
	assert_string_equal(u.protocol, "ascii");
}

static void sim_and_replay(void **state)
{
	(void)state;
	struct pd_uri u = parse_ok("sim:roller?scenario=roller&rate=200&cell_bits=8");
	assert_int_equal(u.scheme, PD_URI_SIM);
	assert_string_equal(u.path, "roller");
	assert_string_equal(u.scenario, "roller");
	assert_float_equal(u.rate_hz, 200, 1e-6);
	assert_int_equal(u.cell_bits, 8);
	u = parse_ok("replay:/data/mat0-20260101T000000Z.h5?speed=max");
	assert_int_equal(u.scheme, PD_URI_REPLAY);
	assert_int_equal(u.speed_max, 1);
	u = parse_ok("auto");
	assert_int_equal(u.scheme, PD_URI_AUTO);
	assert_int_equal(u.slots, 0); /* the daemon reads 0 as 1 */
	u = parse_ok("auto?slots=3&protocol=pmf");
	assert_int_equal(u.slots, 3);
	assert_string_equal(u.protocol, "pmf");
}

static void bad_uris_are_refused_with_a_reason(void **state)
{
	(void)state;
	static const struct { const char *uri, *reason; } bad[] = {
		{ "ttyUSB0", "not a device URI" },
		{ "auto?slots=0", "slots=0: not a number in the allowed range" },
		{ "auto?slots=33", "slots=33: not a number in the allowed range" },
		{ "sim:carpet", "sim:mat or sim:roller" },
		{ "tcp:host", "tcp:HOST:PORT" },
		{ "tcp:host:99999", "tcp:HOST:PORT" },
		{ "tcp::80", "tcp:HOST:PORT" },
		{ "serial:", "needs a path" },
		{ "/dev/ttyACM0?protocol=nmea", "protocol=nmea" },
		{ "/dev/ttyACM0?rows=0", "rows=0" },
		{ "/dev/ttyACM0?rows=12x", "rows=12x" },
		{ "/dev/ttyACM0?colour=red", "unknown option 'colour'" },
		{ "/dev/ttyACM0?rows", "no value" },
		{ "/dev/ttyACM0?id=a b", "id=a b" },
		{ "/dev/ttyACM0?unit=psi", "unit=psi" },
		{ "sim:mat?cell_bits=12", "cell_bits=12" },
		{ "sim:mat?speed=fast", "speed=fast" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pd_uri u;
		char err[256] = "";
		if (pd_uri_parse(bad[i].uri, &u, err, sizeof err) == 0)
			fail_msg("%s was accepted", bad[i].uri);
		if (!strstr(err, bad[i].reason))
			fail_msg("%s: reason '%s' does not mention '%s'", bad[i].uri, err, bad[i].reason);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_path_is_serial),
		cmocka_unit_test(serial_with_query),
		cmocka_unit_test(geometry_options_after_plain_path),
		cmocka_unit_test(tcp_host_port),
		cmocka_unit_test(sim_and_replay),
		cmocka_unit_test(bad_uris_are_refused_with_a_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
