/* ascii's entry in the protocol table: being here registers it (protocol.h). */
#include "ascii_decoder.h"

const struct pd_protocol pd_protocol_ascii = {
	.name = "ascii",
	.state_size = sizeof(struct ascii_dec),
	/* Lines of numbers can occur by chance: two frames (or infos). */
	.probe_order = 2,
	.probe_evidence = 2,
	.init = ascii_dec_init,
	.fini = ascii_dec_fini,
	.feed = ascii_dec_feed,
	/* A polled sketch says nothing until asked: the owner sends the
	 * after_frame byte once right after opening too (source_stream.c
	 * does), so on_open adds nothing or the device would be asked twice. */
	.on_open = NULL,
	.after_frame = ascii_dec_poll,
};
