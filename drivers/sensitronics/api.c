/* sensitronics' entry in the protocol table. */
#include "sens_decoder.h"

const struct pd_protocol pd_protocol_sensitronics = {
	.name = "sensitronics",
	.state_size = sizeof(struct sens_dec),
	.init = sens_dec_init,
	.fini = sens_dec_fini,
	.feed = sens_dec_feed,
	.on_open = NULL,
	.after_frame = NULL,
};
