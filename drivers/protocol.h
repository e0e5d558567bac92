/* The table of operations every wire protocol provides (one directory per
 * protocol: drivers/<name>/api.c holds the table, protocol.c the parser).
 *
 * A protocol registers itself: drivers/CMakeLists.txt compiles every
 * drivers/<name>/ whose api.c defines, at the start of a line,
 *     const struct pd_protocol pd_protocol_<name> = {
 * with a `.probe_order = N,` line, and lists it in pd_protocols
 * (cmake/PressdRegistry.cmake). Nothing else names the protocols: the URI
 * option, the help texts, `auto` and the tests (tests/unit/test_<name>.c,
 * tests/fuzz/fuzz_<name>.c, found by name) all go by that list.
 *
 * Decoders are incremental: bytes arrive in arbitrary pieces and any byte
 * sequence leaves them in a sane state. They never block, never allocate
 * per frame (buffers grow only when the device's geometry needs it, with a
 * hard bound), and count everything they throw away. */
#ifndef PD_PROTOCOL_H
#define PD_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"

/* What a decoder tells its owner. Any callback may be NULL. */
struct pd_decode_sink {
	void *ctx;
	/* The device described itself (pmf INFO, an ascii "# key=value"
	 * comment, or the geometry of the first ascii block). Frames before
	 * the first info are not delivered. A changed info starts a new
	 * stream. */
	void (*info)(void *ctx, const struct pd_device_info *info);
	void (*frame)(void *ctx, const struct pd_frame *frame);
	/* A pmf LOG message: syslog level 0..7, NUL-terminated UTF-8 text. */
	void (*log)(void *ctx, int level, const char *text);
	/* A pmf ACK for `cmd` with `status` (0 ok). */
	void (*ack)(void *ctx, uint8_t cmd, uint8_t status);
};

/* Counters a decoder keeps; all monotonic. */
struct pd_decode_stats {
	uint64_t bytes;         /* bytes fed in */
	uint64_t frames;        /* frames delivered to the sink */
	uint64_t crc_errors;    /* pmf packets whose CRC did not match */
	uint64_t decode_errors; /* impossible lengths, wrong cell counts, unparsable lines, frames before INFO, ... */
	uint64_t resyncs;       /* times the decoder lost sync and had to skip bytes */
	uint64_t garbage_bytes; /* bytes skipped while resynchronising */
	uint64_t packets;       /* pmf: packets with a good CRC, of any type */
	uint64_t logs;          /* pmf LOG messages */
	uint64_t acks;          /* pmf ACKs */
	uint64_t unknown;       /* pmf: good packets of a type the host does not use */
};

/* What the URI or config says about a device that may not describe itself.
 * Zero means "not given". */
struct pd_stream_params {
	uint16_t rows, cols;
	float pitch_mm;
	float units_per_count;
	int unit; /* -1: not given */
	uint32_t full_scale;
	int poll_char; /* ascii: byte sent after each frame; -1: none */
};

struct pd_protocol {
	const char *name; /* as in protocol=NAME; the same as the directory's */
	size_t state_size; /* bytes of opaque state the owner allocates (zeroed) */

	/* protocol=auto: every protocol listens in, and the first (in
	 * probe_order, lowest first; no two alike) to have delivered
	 * probe_evidence infos, frames, logs or acks wins. A protocol whose
	 * packets carry a CRC can be believed at once; text or RLE frames
	 * can occur by chance in other bytes. */
	unsigned probe_order;
	unsigned probe_evidence;

	/* Prepare `state`. Returns 0, or -1 with a reason in err. */
	int (*init)(void *state, const struct pd_stream_params *params,
		    struct pd_decode_stats *stats, char *err, size_t errlen);
	void (*fini)(void *state);

	/* Decode `len` bytes received at `rx`. */
	void (*feed)(void *state, const uint8_t *data, size_t len,
		     const struct pd_rx_time *rx, const struct pd_decode_sink *sink);

	/* Host side. Bytes to send right after the port opens (pmf: GET_INFO
	 * then START) and after each frame (ascii: the poll byte). Return the
	 * number of bytes written into out (at most cap); NULL = nothing. */
	size_t (*on_open)(void *state, uint8_t *out, size_t cap);
	size_t (*after_frame)(void *state, uint8_t *out, size_t cap);

	/* The byte stream ended (the device went away): decode what is still
	 * held back, giving up on what can no longer complete. `rx` is when the
	 * last bytes came. NULL: the decoder holds nothing back that way. */
	void (*finish)(void *state, const struct pd_rx_time *rx, const struct pd_decode_sink *sink);
};

/* Looks a protocol up by name; NULL if unknown ("auto" is not a protocol). */
const struct pd_protocol *pd_protocol_find(const char *name);

/* Every registered protocol in `auto` probing order (pmf, ascii,
 * sensitronics); NULL-terminated. Generated at build time
 * (protocol_table.c in the build tree). */
extern const struct pd_protocol *const pd_protocols[];

/* How many there are. */
size_t pd_protocol_count(void);

/* The names, joined by `sep` with `last` before the final one
 * ("pmf, ascii or sensitronics"), into buf; returns buf (truncated to
 * len, always terminated). For help texts and messages. */
char *pd_protocol_names(char *buf, size_t len, const char *sep, const char *last);

#endif
