/* pmf's entry in the protocol table: being here registers it (protocol.h). */
#include "pmf_host.h"

const struct pd_protocol pd_protocol_pmf = {
	.name = "pmf",
	.state_size = sizeof(struct pmf_host),
	/* auto knocks with pmf's GET_INFO and START (on_open); a packet
	 * with a good CRC is proof enough. */
	.probe_order = 1,
	.probe_evidence = 1,
	.init = pmf_host_init,
	.fini = pmf_host_fini,
	.feed = pmf_host_feed,
	.on_open = pmf_host_on_open,
	.after_frame = NULL,
	.finish = pmf_host_finish,
};
