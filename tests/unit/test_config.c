/* The INI file, -s overrides and their validation (daemon.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char *write_file(const char *text)
{
	static char path[64];
	strcpy(path, "/tmp/pressd-test-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void defaults_match_the_spec(void **state)
{
	(void)state;
	struct pd_config c;
	pd_config_default(&c);
	assert_string_equal(c.pub, "tcp://127.0.0.1:5555");
	assert_string_equal(c.control, "tcp://127.0.0.1:5556");
	assert_int_equal(c.frame_rate_hz, 30);
	assert_true(c.analysis.noise.percent);
	assert_float_equal(c.analysis.noise.value, 1, 0);
	assert_float_equal(c.analysis.contact_on.value, 4, 0);
	assert_float_equal(c.analysis.contact_off.value, 2, 0);
	assert_float_equal(c.analysis.release_s, 0.1, 1e-12);
	assert_float_equal(c.analysis.min_separation_mm, 20, 0);
	assert_float_equal(c.analysis.contact_rate_hz, 10, 0);
	assert_float_equal(c.analysis.hold_min_s, 3, 0);
	assert_float_equal(c.analysis.hold_radius_mm, 10, 0);
	assert_float_equal(c.analysis.hold_target_s, 30, 0);
	assert_float_equal(c.analysis.pulse_radius_mm, 15, 0);
	assert_float_equal(c.analysis.pulse_gap_s, 20, 0);
	assert_float_equal(c.analysis.stroke_min_mm, 40, 0);
}

static void full_file_loads(void **state)
{
	(void)state;
	char *path = write_file("; comment\n"
				"[daemon]\n"
				"pub = ipc:///run/pressd/events\n"
				"frame_rate_hz = 0\n"
				"log_level = debug\n"
				"[analysis]\n"
				"contact_on = 150\n"
				"hold_min_s = 2.5\n"
				"[device.left]\n"
				"rows = 16\n"
				"uri = /dev/pts/7?protocol=ascii\n"
				"cols = 16\n");
	struct pd_config c;
	char err[256] = "";
	pd_config_default(&c);
	assert_int_equal(pd_config_load(&c, path, err, sizeof err), 0);
	assert_int_equal(pd_config_finish(&c, err, sizeof err), 0);
	unlink(path);
	assert_string_equal(c.pub, "ipc:///run/pressd/events");
	assert_int_equal(c.frame_rate_hz, 0);
	assert_int_equal(c.log_level, 7);
	assert_false(c.analysis.contact_on.percent);
	assert_float_equal(c.analysis.contact_on.value, 150, 0);
	assert_float_equal(c.analysis.hold_min_s, 2.5, 0);
	assert_int_equal(c.ndevices, 1);
	assert_string_equal(c.devices[0].uri.id, "left");
	assert_string_equal(c.devices[0].uri.protocol, "ascii");
	/* options given before uri in the section still apply */
	assert_int_equal(c.devices[0].uri.params.rows, 16);
	assert_int_equal(c.devices[0].uri.params.cols, 16);
}

static void bad_files_name_the_key(void **state)
{
	(void)state;
	static const struct { const char *text, *reason; } bad[] = {
		{ "[daemon]\ncolour = red\n", "daemon.colour" },
		{ "[analysis]\nhold_min_s = soon\n", "hold_min_s=soon" },
		{ "[analysis]\ncontact_on = 140%\n", "contact_on=140%" },
		{ "[analysis]\nhold_radius = 3\n", "hold_radius" },
		{ "[daemon]\npub = localhost:5555\n", "pub=localhost:5555" },
		{ "[mats]\nx = 1\n", "[mats]" },
		{ "[device.m]\nspeed_of_light = 1\n", "device.m.speed_of_light" },
		{ "[daemon]\nthis line is not ini\n", ":2:" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = write_file(bad[i].text);
		struct pd_config c;
		char err[256] = "";
		pd_config_default(&c);
		int rc = pd_config_load(&c, path, err, sizeof err);
		unlink(path);
		if (rc == 0)
			fail_msg("accepted: %s", bad[i].text);
		if (!strstr(err, bad[i].reason))
			fail_msg("'%s' does not mention '%s'", err, bad[i].reason);
	}
}

static void overrides(void **state)
{
	(void)state;
	struct pd_config c;
	char err[256] = "";
	pd_config_default(&c);
	assert_int_equal(pd_config_override(&c, "analysis.hold_min_s=2", err, sizeof err), 0);
	assert_float_equal(c.analysis.hold_min_s, 2, 0);
	assert_int_equal(pd_config_override(&c, "analysis.noise=0.5%", err, sizeof err), 0);
	assert_float_equal(c.analysis.noise.value, 0.5, 0);
	assert_false(c.analysis.tare_at_start);
	assert_int_equal(pd_config_override(&c, "analysis.tare_at_start=yes", err, sizeof err), 0);
	assert_true(c.analysis.tare_at_start);
	assert_int_equal(pd_config_override(&c, "analysis.tare_at_start=maybe", err, sizeof err), -1);
	assert_non_null(strstr(err, "tare_at_start"));
	assert_int_equal(pd_config_override(&c, "daemon.frame_rate_hz=60", err, sizeof err), 0);
	assert_int_equal(c.frame_rate_hz, 60);
	assert_int_equal(pd_config_override(&c, "device.r.uri=sim:roller", err, sizeof err), 0);
	assert_int_equal(pd_config_override(&c, "device.r.rate=50", err, sizeof err), 0);
	assert_int_equal(pd_config_finish(&c, err, sizeof err), 0);
	assert_string_equal(c.devices[0].uri.id, "r");
	assert_float_equal(c.devices[0].uri.rate_hz, 50, 0);

	assert_int_equal(pd_config_override(&c, "hold_min_s=2", err, sizeof err), -1);
	assert_non_null(strstr(err, "section.key=value"));
	assert_int_equal(pd_config_override(&c, "analysis.hold_min_s", err, sizeof err), -1);
	assert_int_equal(pd_config_override(&c, "analysis.nope=1", err, sizeof err), -1);
	assert_non_null(strstr(err, "nope"));
}

static void device_ids(void **state)
{
	(void)state;
	struct pd_config c;
	char err[256] = "";
	pd_config_default(&c);
	assert_int_equal(pd_config_add_device_uri(&c, "sim:mat", err, sizeof err), 0);
	assert_int_equal(pd_config_add_device_uri(&c, "sim:roller", err, sizeof err), 0);
	assert_int_equal(pd_config_add_device_uri(&c, "/dev/pts/4?id=mat0x", err, sizeof err), 0);
	assert_int_equal(pd_config_add_device_uri(&c, "/dev/pts/5", err, sizeof err), 0);
	assert_int_equal(pd_config_finish(&c, err, sizeof err), 0);
	assert_string_equal(c.devices[0].uri.id, "mat0");
	assert_string_equal(c.devices[1].uri.id, "roller0");
	assert_string_equal(c.devices[2].uri.id, "mat0x");
	assert_string_equal(c.devices[3].uri.id, "mat1");

	pd_config_default(&c);
	pd_config_add_device_uri(&c, "/dev/pts/4?id=a", err, sizeof err);
	pd_config_add_device_uri(&c, "/dev/pts/5?id=a", err, sizeof err);
	assert_int_equal(pd_config_finish(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "used twice"));

	pd_config_default(&c);
	assert_int_equal(pd_config_override(&c, "device.x.rows=4", err, sizeof err), 0);
	assert_int_equal(pd_config_finish(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "no uri"));

	pd_config_default(&c);
	pd_config_override(&c, "analysis.contact_off=5%", err, sizeof err);
	assert_int_equal(pd_config_finish(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "contact_off"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_match_the_spec),
		cmocka_unit_test(full_file_loads),
		cmocka_unit_test(bad_files_name_the_key),
		cmocka_unit_test(overrides),
		cmocka_unit_test(device_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
