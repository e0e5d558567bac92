/* sensitronics' entry in the protocol table: being here registers it (protocol.h). */
#include "sens_decoder.h"

const struct pd_protocol pd_protocol_sensitronics = {
	.name = "sensitronics",
	.state_size = sizeof(struct sens_dec),
	/* Any bytes ending in 0xFF look like an RLE frame: last, and two. */
	.probe_order = 3,
	.probe_evidence = 2,
	.init = sens_dec_init,
	.fini = sens_dec_fini,
	.feed = sens_dec_feed,
	.on_open = NULL,
	.after_frame = NULL,
};
