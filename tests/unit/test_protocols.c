/* The protocol registry as CMake generates it (drivers/CMakeLists.txt,
 * cmake/PressdRegistry.cmake): every protocol listed once, in probe_order,
 * with what auto needs; and the names as help texts and messages show
 * them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "protocol.h"

static void test_listed_in_probe_order(void **state)
{
	(void)state;
	size_t n = pd_protocol_count();
	assert_true(n >= 3);
	for (size_t i = 0; i < n; i++) {
		const struct pd_protocol *p = pd_protocols[i];
		assert_non_null(p->name);
		assert_true(p->probe_evidence >= 1);
		assert_ptr_equal(pd_protocol_find(p->name), p); /* no two of one name */
		if (i > 0)
			assert_true(pd_protocols[i - 1]->probe_order < p->probe_order);
	}
	assert_null(pd_protocols[n]);
}

static void test_names(void **state)
{
	(void)state;
	/* Every name in order, joined, whatever the protocols are. */
	char want[256] = "", buf[256];
	size_t n = pd_protocol_count();
	for (size_t i = 0; i < n; i++) {
		strcat(want, i == 0 ? "" : i + 1 == n ? " or " : ", ");
		strcat(want, pd_protocols[i]->name);
	}
	assert_string_equal(pd_protocol_names(buf, sizeof buf, ", ", " or "), want);
	assert_non_null(strstr(want, "pmf"));
	/* truncated, never overrun, always terminated */
	char small[6];
	memset(small, 'x', sizeof small);
	pd_protocol_names(small, sizeof small, ", ", " or ");
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_memory_equal(small, want, sizeof small - 1);
	assert_ptr_equal(pd_protocol_names(small, 0, ", ", ", "), small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listed_in_probe_order),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
