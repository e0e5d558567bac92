/* ascii's entry in the protocol table. */
#include "ascii_decoder.h"

const struct pd_protocol pd_protocol_ascii = {
	.name = "ascii",
	.state_size = sizeof(struct ascii_dec),
	.init = ascii_dec_init,
	.fini = ascii_dec_fini,
	.feed = ascii_dec_feed,
	.on_open = ascii_dec_poll,
	.after_frame = ascii_dec_poll,
};
