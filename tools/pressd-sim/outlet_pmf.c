/* pmf, the device's side: INFO on power-up, requests answered, frames or
 * roller samples as packets. */
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "log.h"
#include "pmf/pmf.h"

#define REQUEST_MAX 64 /* a REQUEST is a command byte and a few arguments */

enum { ACK_OK = 0, ACK_UNKNOWN = 1, ACK_BAD_ARG = 2 };

struct pmf_out {
	struct device *d;
	struct pmf_lexer lx;
	struct pd_decode_stats stats;
};

static void send_info(struct device *d)
{
	struct pd_device_info info;
	uint8_t pkt[PMF_HEADER_LEN + PMF_INFO_LEN + PMF_CRC_LEN];
	device_info(d, &info);
	if (d->opt->info_rate_hz > 0) /* --info-rate: a device that says one rate and sends at another */
		info.rate_hz = (float)d->opt->info_rate_hz;
	size_t n = pmf_encode_info(pkt, sizeof pkt, &info);
	device_send(d, pkt, n);
}

static void send_ack(struct device *d, uint8_t cmd, uint8_t status)
{
	uint8_t pkt[PMF_HEADER_LEN + 2 + PMF_CRC_LEN];
	size_t n = pmf_encode_ack(pkt, sizeof pkt, cmd, status);
	device_send(d, pkt, n);
}

static void on_packet(void *ctx, uint8_t type, const uint8_t *payload, uint32_t len)
{
	struct pmf_out *p = ctx;
	struct device *d = p->d;
	if (type != PMF_REQUEST || len < 1) {
		pd_dbg("ignoring a packet of type 0x%02x from the host", type);
		return;
	}
	uint8_t cmd = payload[0];
	switch (cmd) {
	case PMF_CMD_GET_INFO:
		pd_info("GET_INFO: sending INFO");
		send_info(d);
		break;
	case PMF_CMD_START:
		pd_info("START: streaming");
		send_ack(d, cmd, ACK_OK);
		device_set_streaming(d, true);
		break;
	case PMF_CMD_STOP:
		pd_info("STOP: paused");
		send_ack(d, cmd, ACK_OK);
		device_set_streaming(d, false);
		break;
	case PMF_CMD_SET_RATE: {
		unsigned hz = len >= 3 ? (unsigned)(payload[1] | payload[2] << 8) : 0;
		bool ok = len >= 3 && device_set_rate(d, hz) == 0;
		pd_info("SET_RATE %u: %s", hz, ok ? "done" : "refused");
		send_ack(d, cmd, ok ? ACK_OK : ACK_BAD_ARG);
		break;
	}
	default:
		pd_info("unknown command 0x%02x: ACK status %d", cmd, ACK_UNKNOWN);
		send_ack(d, cmd, ACK_UNKNOWN);
		break;
	}
}

static uint32_t max_len(void *ctx, uint8_t type)
{
	(void)ctx, (void)type;
	return REQUEST_MAX;
}

static int pmf_init(struct device *d, char *err, size_t errlen)
{
	struct pmf_out *p = calloc(1, sizeof *p);
	if (!p || pmf_lexer_init(&p->lx, &p->stats, on_packet, max_len, p) != 0) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->d = d;
	d->outlet_state = p;
	return 0;
}

static void pmf_fini(struct device *d)
{
	struct pmf_out *p = d->outlet_state;
	if (!p)
		return;
	pmf_lexer_fini(&p->lx);
	free(p);
	d->outlet_state = NULL;
}

/* Half a request left by the last reader needs no reset: its CRC fails and
 * the lexer resynchronises on the new reader's first request. */
static void pmf_hello(struct device *d)
{
	device_set_streaming(d, !d->opt->wait_start); /* else after START */
	send_info(d);
}

static size_t pmf_frame(struct device *d, const struct pd_frame *f, uint8_t *out, size_t cap)
{
	if (f->has_encoder)
		return pmf_encode_roller(out, cap, f->seq, f->device_time_us, f->encoder, f->cells,
					 f->cols, f->cell_bits);
	return pmf_encode_frame(out, cap, f->seq, f->device_time_us, d->opt->encoding, f->cells,
				(size_t)f->rows * f->cols, f->cell_bits);
}

static void pmf_input(struct device *d, const uint8_t *data, size_t len)
{
	struct pmf_out *p = d->outlet_state;
	pmf_lexer_feed(&p->lx, data, len);
}

/* Anything but a sync byte: junk that looks like a header with a huge
 * length would only hold the next packets back, which is the lexer's unit
 * tests' business, not a stream test's. */
static size_t pmf_garbage(struct device *d, uint8_t *out, size_t n)
{
	size_t o = 0;
	while (o < n) {
		uint8_t b = (uint8_t)faults_random(&d->faults);
		if (b != PMF_SYNC0)
			out[o++] = b;
	}
	return o;
}

static bool pmf_spoil(struct device *d, uint8_t *packet, size_t len)
{
	if (len < PMF_HEADER_LEN + PMF_CRC_LEN || !faults_corrupt_due(&d->faults))
		return false;
	packet[len - 1] ^= 0x5A;
	return true;
}

const struct outlet_ops outlet_pmf = {
	.name = "pmf",
	.order = 1,
	.roller = true,
	.init = pmf_init,
	.fini = pmf_fini,
	.hello = pmf_hello,
	.frame = pmf_frame,
	.input = pmf_input,
	.garbage = pmf_garbage,
	.spoil = pmf_spoil,
};
