/* pmf's entry in the protocol table. */
#include "pmf_host.h"

const struct pd_protocol pd_protocol_pmf = {
	.name = "pmf",
	.state_size = sizeof(struct pmf_host),
	.init = pmf_host_init,
	.fini = pmf_host_fini,
	.feed = pmf_host_feed,
	.on_open = pmf_host_on_open,
	.after_frame = NULL,
	.finish = pmf_host_finish,
};
