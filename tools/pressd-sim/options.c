/* Option parsing and the manual page that --help prints. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PRESSD_VERSION
#define PRESSD_VERSION "dev"
#endif

const struct outlet_ops *sim_outlet_find(const char *name)
{
	for (const struct outlet_ops *const *o = sim_outlets; *o; o++)
		if (!strcmp((*o)->name, name))
			return *o;
	return NULL;
}

/* The outlets' names joined by sep, those that carry a roller only if asked. */
static void outlet_names(FILE *out, const char *sep, bool rollers_only)
{
	const char *s = "";
	for (const struct outlet_ops *const *o = sim_outlets; *o; o++) {
		if (rollers_only && !(*o)->roller)
			continue;
		fprintf(out, "%s%s", s, (*o)->name);
		s = sep;
	}
}

static void help(FILE *out)
{
	fputs(
"NAME\n"
"    pressd-sim - pressure mat and roller emulator on a pseudo-terminal\n"
"\n"
"SYNOPSIS\n"
"    pressd-sim [--protocol ", out);
	outlet_names(out, "|", false);
	fputs("] [--kind mat|roller]\n"
"               [--scenario NAME] [--link PATH] [--truth FILE] [OPTION]...\n"
"\n"
"DESCRIPTION\n"
"    Opens a pseudo-terminal, prints the path of its slave side (such as\n"
"    /dev/pts/7) as the first line on stdout, and plays a scenario of\n"
"    synthetic pressure frames on it in the chosen wire protocol, as a\n"
"    real mat or roller on a USB serial port would. Point pressd (or any\n"
"    serial reader) at that path, or at the --link symlink, to try\n"
"    everything without hardware:\n"
"\n"
"        pressd-sim --link /tmp/mat &\n"
"        pressd -f -d /tmp/mat\n"
"\n"
"    The frames are deterministic: the same options give the same bytes.\n"
"    Device time is seq / rate; the scenario's events are listed by the\n"
"    ground truth in tests/scenario_truth/scenario_truth.h.\n"
"\n"
"    Waiting for a reader: nothing is sent until some process opens the\n"
"    slave side. pressd-sim watches the master with poll(), which reports\n"
"    POLLHUP while no slave is open, and starts once that clears. When\n"
"    the reader closes the terminal, whatever it left unread is discarded\n"
"    and pressd-sim waits for the next reader; a pmf device then says\n"
"    INFO again and waits for START again. Sequence numbers and device\n"
"    time carry on across readers.\n"
"\n"
"DEVICE\n"
"    -P, --protocol ", out);
	outlet_names(out, "|", false);
	fprintf(out, "\n        Wire protocol (default %s).", sim_outlets[0]->name);
	fputs(" pmf sends INFO once when a reader\n"
"        appears, answers GET_INFO with INFO, START with ACK (and starts\n"
"        streaming), STOP with ACK (and pauses), SET_RATE with ACK (and\n"
"        changes the rate; status 2 if outside 1..2000 Hz); any other\n"
"        command is ACKed with status 1. ascii and sensitronics stream as\n"
"        soon as a reader appears. ascii and sensitronics carry mats only.\n"
"    -k, --kind mat|roller\n"
"        What to emulate (default: the scenario's kind, else mat). A\n"
"        roller is one row of load cells plus an encoder (pmf only):\n"
"        radius 45 mm, 4096 counts per revolution.\n"
"    -s, --scenario NAME\n"
"        Scenario to play (default all for a mat, roller for a roller);\n"
"        see SCENARIOS.\n"
"    --rows N, --cols N\n"
"        Cells (mat default 32 x 32, at least 8 x 8; roller 1 x 16).\n"
"        A scenario that does not fit the mat is refused with the size it\n"
"        needs.\n"
"    --pitch MM\n"
"        Centre-to-centre cell spacing (default 10).\n"
"    --rate HZ\n"
"        Frames per second, 1..2000 (default 100).\n"
"    --cell-bits 8|16\n"
"        Cell size (default 16; sensitronics is always 8). ascii has no\n"
"        cell size on the wire: pressd uses 8-bit cells when the full\n"
"        scale is at most 255, so the cell size follows --full-scale.\n"
"    --full-scale N\n"
"        Largest count (default 4095 for 16-bit cells, 254 for 8-bit).\n"
"        Blobs peak at 60 % of it; noise is 0.3 %.\n"
"    --calibrated UNIT:PER_COUNT\n"
"        A calibrated mat (pmf): the INFO says each count is PER_COUNT\n"
"        UNIT (kPa, N or mmHg), e.g. kPa:0.05 (default: counts).\n"
"    --seed N\n"
"        Noise and fault seed (default 0).\n"
"    --encoding raw|zero-run\n"
"        pmf frame encoding (default raw).\n"
"    --no-wait-start\n"
"        pmf: stream right after INFO without waiting for START, like\n"
"        firmware that streams unasked.\n"
"    --ascii-form line|block\n"
"        ascii: one line of rows x cols values per frame (default; the\n"
"        reader needs rows= and cols=, or --header), or one line per row\n"
"        with an empty line after each frame (and one before the first,\n"
"        when a reader appears, so it knows the first block is whole).\n"
"    --header[=N]\n"
"        ascii: send the \"# rows=.. cols=.. full_scale=.. ...\" comment\n"
"        when a reader appears and, with N, again before every Nth frame.\n"
"    --poll CHAR\n"
"        ascii: send a frame only after receiving CHAR (one character, or\n"
"        0xHH), one frame per byte, still no faster than --rate.\n"
"\n"
"PLAYING\n"
"    --loop\n"
"        Start the scenario over at its end, forever.\n"
"    --speed realtime|max\n"
"        realtime (default) sends each frame when its time comes; max\n"
"        sends as fast as the reader takes them. Device time advances\n"
"        at the nominal rate either way.\n"
"    --duration S\n"
"        Stop after S seconds of device time (frames generated / rate).\n"
"    --frames N\n"
"        Stop after N frames generated (withheld ones included).\n"
"\n"
"    At the end (scenario over, or a limit reached) pressd-sim sends what\n"
"    is queued, waits until the reader has read it (at most 10 s), keeps\n"
"    the terminal open 0.5 s more, removes the link and exits 0.\n"
"\n"
"OUTPUT\n"
"    -l, --link PATH\n"
"        Keep a symlink at PATH to the current slave (replaced\n"
"        atomically; removed while unplugged and on exit).\n"
"    -t, --truth FILE\n"
"        Write one line per frame sent, when its last byte has gone to\n"
"        the terminal: \"seq t_us crc32\" with the generator's sequence\n"
"        number, its device time in microseconds and the zlib crc32 (8\n"
"        hex digits) of its cells as pressd delivers them: row-major,\n"
"        u8 or little-endian u16. Frames withheld (--skip-seq), sent\n"
"        with a corrupted CRC (--corrupt-crc) or still queued when the\n"
"        reader went away are not listed, so the file is exactly what a\n"
"        correct reader decodes. For ascii and sensitronics the reader\n"
"        numbers frames itself; compare the crc column.\n"
"    -v, --verbose\n"
"        Log readers, requests and faults on stderr; twice for more.\n"
"\n"
"FAULTS\n"
"    --garbage P\n"
"        Before each frame, with probability P (0..1), send 1 to 32 junk\n"
"        bytes: random bytes without a pmf sync byte (pmf), a line of\n"
"        letters (ascii), or a too-short frame (sensitronics). Frames\n"
"        themselves stay intact and still count as sent.\n"
"    --corrupt-crc N\n"
"        pmf: spoil the CRC of every Nth frame packet sent.\n"
"    --skip-seq N\n"
"        Generate every Nth frame but do not send it: a sequence gap.\n"
"    --unplug-at S\n"
"        When S seconds of device time have been played, close the\n"
"        terminal between two frames (the reader sees a hang-up, the\n"
"        link is removed). What was queued before gets up to 1 s to be\n"
"        sent and read; what is left then is lost and not in --truth.\n"
"    --unplug-for S\n"
"        Stay unplugged S wall-clock seconds (default 1), then open a new\n"
"        pseudo-terminal, print its path on stdout, renew the link and\n"
"        wait for a reader again.\n"
"    --unplug-every S\n"
"        Unplug again every S seconds of device time after the first.\n"
"    --unplug-restart\n"
"        After replugging, start the scenario afresh (sequence numbers\n"
"        and device time from 0), as a device that rebooted; without it\n"
"        they carry on.\n"
"\n"
"    The device's own numbers, as odd firmware has them (the --truth file\n"
"    lists frames with these numbers, as a reader decodes them):\n"
"    --info-rate HZ\n"
"        pmf: announce HZ in INFO while sending at --rate, as a device that\n"
"        floods its host at a multiple of its nominal rate.\n"
"    --seq-start N\n"
"        Add N to every sequence number, modulo 2^32: with N close to\n"
"        4294967295 the numbers wrap round during the scenario.\n"
"    --clock-start US\n"
"        Add US microseconds to every device time.\n"
"    --clock-jump-at S, --clock-jump-us D\n"
"        From the first frame of scenario time S seconds on, device time\n"
"        is D microseconds later (D < 0: earlier, a clock going back; the\n"
"        result must not go below 0). Once; sequence numbers carry on.\n"
"    --clock-wrap-bits B\n"
"        Device time is counted modulo 2^B microseconds (16..64, default\n"
"        64), as a device with a B-bit microsecond counter: past the wrap\n"
"        it starts again near 0.\n"
"\n"
"    -h, --help     This page.\n"
"    -V, --version  Version.\n"
"\n"
"SCENARIOS\n", out);
	for (const struct pd_scenario_desc *d = pd_scenario_list(); d->name; d++)
		fprintf(out, "    %-8s %-6s %s\n", d->name, pd_kind_name(d->kind), d->summary);
	fputs(
"\n"
"    Every mat scenario has 1 s of nothing before and 2 s after; the\n"
"    noise stays below 1 % of full scale.\n"
"\n"
"EXIT STATUS\n"
"    0   the scenario ended (or SIGINT/SIGTERM/SIGHUP: a clean stop)\n"
"    64  a bad option or argument\n"
"    70  an internal error\n"
"    71  no pseudo-terminal could be made\n"
"    73  the --truth file or the --link could not be made\n"
"    74  an I/O error on the terminal\n"
"\n"
"EXAMPLES\n"
"    pressd-sim --scenario hold --truth /tmp/hold.truth\n"
"    pressd-sim -P ascii --header --ascii-form block --loop --link /tmp/mat\n"
"    pressd-sim -k roller --speed max --frames 10000\n"
"    pressd-sim --garbage 0.05 --corrupt-crc 50 --skip-seq 97 --loop\n"
"    pressd-sim --loop --unplug-at 5 --unplug-for 2 --unplug-every 10 --link /tmp/mat\n"
"    pressd-sim --rate 1000 --info-rate 100 --seq-start 4294967000 --clock-jump-at 3 --clock-jump-us -2000000\n",
	      out);
}

/* ---- argument checks: each names the option and why ------------------- */

static int bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "pressd-sim: --%s %s: %s (see --help)\n", opt, arg, why);
	return -1;
}

static int get_u64(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	if (arg[0] == '-' || arg[0] == '\0')
		return bad(opt, arg, "expected a non-negative whole number");
	unsigned long long v = strtoull(arg, &end, 0);
	if (errno || *end)
		return bad(opt, arg, "expected a whole number");
	if (v < min || v > max) {
		char why[80];
		snprintf(why, sizeof why, "must be %llu..%llu", (unsigned long long)min, (unsigned long long)max);
		return bad(opt, arg, why);
	}
	*out = v;
	return 0;
}

static int get_double(const char *opt, const char *arg, double min, double max, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (errno || *end || end == arg || !isfinite(v))
		return bad(opt, arg, "expected a number");
	if (v < min || v > max) {
		char why[80];
		snprintf(why, sizeof why, "must be %g..%g", min, max);
		return bad(opt, arg, why);
	}
	*out = v;
	return 0;
}

static int get_choice(const char *opt, const char *arg, const char *const *names, int *out)
{
	for (int i = 0; names[i]; i++) {
		if (!strcmp(arg, names[i])) {
			*out = i;
			return 0;
		}
	}
	char why[120] = "expected one of";
	for (int i = 0; names[i]; i++) {
		strncat(why, i ? ", " : " ", sizeof why - strlen(why) - 1);
		strncat(why, names[i], sizeof why - strlen(why) - 1);
	}
	return bad(opt, arg, why);
}

static int get_char(const char *opt, const char *arg, int *out)
{
	if (arg[0] && !arg[1]) {
		*out = (unsigned char)arg[0];
		return 0;
	}
	uint64_t v;
	if (!strncmp(arg, "0x", 2) && get_u64(opt, arg, 0, 255, &v) == 0) {
		*out = (int)v;
		return 0;
	}
	return bad(opt, arg, "expected one character or 0xHH");
}

enum {
	O_ROWS = 256, O_COLS, O_PITCH, O_RATE, O_CELL_BITS, O_FULL_SCALE, O_CALIBRATED, O_SEED, O_ENCODING,
	O_ASCII_FORM, O_HEADER, O_POLL, O_NO_WAIT_START, O_LOOP, O_SPEED, O_DURATION, O_FRAMES,
	O_GARBAGE, O_CORRUPT_CRC, O_SKIP_SEQ, O_UNPLUG_AT, O_UNPLUG_FOR, O_UNPLUG_EVERY,
	O_UNPLUG_RESTART, O_INFO_RATE, O_SEQ_START, O_CLOCK_START, O_CLOCK_JUMP_AT, O_CLOCK_JUMP_US,
	O_CLOCK_WRAP_BITS,
};

static const struct option longopts[] = {
	{ "protocol", required_argument, NULL, 'P' },
	{ "kind", required_argument, NULL, 'k' },
	{ "scenario", required_argument, NULL, 's' },
	{ "rows", required_argument, NULL, O_ROWS },
	{ "cols", required_argument, NULL, O_COLS },
	{ "pitch", required_argument, NULL, O_PITCH },
	{ "rate", required_argument, NULL, O_RATE },
	{ "cell-bits", required_argument, NULL, O_CELL_BITS },
	{ "full-scale", required_argument, NULL, O_FULL_SCALE },
	{ "calibrated", required_argument, NULL, O_CALIBRATED },
	{ "seed", required_argument, NULL, O_SEED },
	{ "encoding", required_argument, NULL, O_ENCODING },
	{ "ascii-form", required_argument, NULL, O_ASCII_FORM },
	{ "header", optional_argument, NULL, O_HEADER },
	{ "poll", required_argument, NULL, O_POLL },
	{ "no-wait-start", no_argument, NULL, O_NO_WAIT_START },
	{ "loop", no_argument, NULL, O_LOOP },
	{ "speed", required_argument, NULL, O_SPEED },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "frames", required_argument, NULL, O_FRAMES },
	{ "link", required_argument, NULL, 'l' },
	{ "truth", required_argument, NULL, 't' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "garbage", required_argument, NULL, O_GARBAGE },
	{ "corrupt-crc", required_argument, NULL, O_CORRUPT_CRC },
	{ "skip-seq", required_argument, NULL, O_SKIP_SEQ },
	{ "unplug-at", required_argument, NULL, O_UNPLUG_AT },
	{ "unplug-for", required_argument, NULL, O_UNPLUG_FOR },
	{ "unplug-every", required_argument, NULL, O_UNPLUG_EVERY },
	{ "unplug-restart", no_argument, NULL, O_UNPLUG_RESTART },
	{ "info-rate", required_argument, NULL, O_INFO_RATE },
	{ "seq-start", required_argument, NULL, O_SEQ_START },
	{ "clock-start", required_argument, NULL, O_CLOCK_START },
	{ "clock-jump-at", required_argument, NULL, O_CLOCK_JUMP_AT },
	{ "clock-jump-us", required_argument, NULL, O_CLOCK_JUMP_US },
	{ "clock-wrap-bits", required_argument, NULL, O_CLOCK_WRAP_BITS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char *long_name(int c)
{
	for (const struct option *o = longopts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* Options that only make sense together, checked once all are read. */
static int check_combination(struct sim_opts *o, bool cell_bits_given, bool unplug_for_given,
			     bool unplug_every_given, bool ascii_only_given, bool pmf_only_given,
			     bool jump_us_given)
{
	const char *proto = o->outlet->name;
	if (o->sp.kind == PD_KIND_ROLLER && !o->outlet->roller) {
		fputs("pressd-sim: --kind roller needs --protocol ", stderr);
		outlet_names(stderr, " or ", true);
		fputs(": only ", stderr);
		outlet_names(stderr, " and ", true);
		fputs(" carries the encoder position\n", stderr);
		return -1;
	}
	if (o->outlet->check && o->outlet->check(o, cell_bits_given) != 0)
		return -1;
	/* Options of one protocol's own. */
	if (ascii_only_given && strcmp(proto, "ascii")) {
		fprintf(stderr, "pressd-sim: --ascii-form, --header and --poll are for --protocol ascii, not %s\n", proto);
		return -1;
	}
	if (pmf_only_given && strcmp(proto, "pmf")) {
		fprintf(stderr, "pressd-sim: --encoding, --no-wait-start, --corrupt-crc and --info-rate are for "
				"--protocol pmf, not %s\n",
			proto);
		return -1;
	}
	if (o->clock_jump != jump_us_given) {
		fprintf(stderr, "pressd-sim: --clock-jump-at and --clock-jump-us go together\n");
		return -1;
	}
	if ((unplug_for_given || unplug_every_given || o->unplug_restart) && !o->unplug) {
		fprintf(stderr, "pressd-sim: --unplug-for, --unplug-every and --unplug-restart need --unplug-at\n");
		return -1;
	}
	if (o->speed_max && o->poll_char >= 0)
		fprintf(stderr, "pressd-sim: note: with --poll, --speed max sends a frame per poll byte at once\n");
	return 0;
}

int sim_options_parse(int argc, char **argv, struct sim_opts *o)
{
	*o = (struct sim_opts){
		.outlet = sim_outlets[0],
		.encoding = PMF_ENC_RAW,
		.wait_start = true,
		.ascii_form = ASCII_SINGLE_LINE,
		.header_every = -1,
		.poll_char = -1,
		.unplug_for_s = 1,
		.clock_wrap_bits = 64,
	};
	bool cell_bits_given = false, unplug_for_given = false, unplug_every_given = false, jump_us_given = false;
	bool ascii_only = false, pmf_only = false;
	static const char *const kinds[] = { "mat", "roller", NULL };
	static const char *const encodings[] = { "raw", "zero-run", NULL };
	static const char *const forms[] = { "line", "block", NULL };
	static const char *const speeds[] = { "realtime", "max", NULL };
	uint64_t u;
	double d;
	int choice, c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":P:k:s:l:t:vhV", longopts, NULL)) != -1) {
		const char *name = long_name(c);
		int rc = 0;
		switch (c) {
		case 'P':
			if (!(o->outlet = sim_outlet_find(optarg))) {
				const char *names[64];
				size_t n = 0;
				for (const struct outlet_ops *const *p = sim_outlets; *p && n + 1 < 64; p++)
					names[n++] = (*p)->name;
				names[n] = NULL;
				rc = get_choice(name, optarg, names, &choice);
			}
			break;
		case 'k':
			rc = get_choice(name, optarg, kinds, &choice);
			o->sp.kind = choice ? PD_KIND_ROLLER : PD_KIND_MAT;
			break;
		case 's':
			o->sp.name = optarg;
			break;
		case O_ROWS:
			rc = get_u64(name, optarg, 1, 1024, &u);
			o->sp.rows = (uint16_t)u;
			break;
		case O_COLS:
			rc = get_u64(name, optarg, 8, 1024, &u);
			o->sp.cols = (uint16_t)u;
			break;
		case O_PITCH:
			rc = get_double(name, optarg, 0.1, 1000, &d);
			o->sp.pitch_mm = (float)d;
			break;
		case O_RATE:
			rc = get_double(name, optarg, 1, 2000, &d);
			o->sp.rate_hz = (float)d;
			break;
		case O_CELL_BITS:
			rc = get_u64(name, optarg, 8, 16, &u);
			if (!rc && u != 8 && u != 16)
				rc = bad(name, optarg, "expected 8 or 16");
			o->sp.cell_bits = (uint8_t)u;
			cell_bits_given = true;
			break;
		case O_FULL_SCALE:
			rc = get_u64(name, optarg, 1, 65535, &u);
			o->sp.full_scale = (uint32_t)u;
			break;
		case O_CALIBRATED: {
			const char *colon = strchr(optarg, ':');
			char *end = NULL;
			double per = colon ? strtod(colon + 1, &end) : 0;
			size_t ul = colon ? (size_t)(colon - optarg) : 0;
			o->sp.unit = ul == 3 && !strncmp(optarg, "kPa", 3)    ? PD_UNIT_KPA
				   : ul == 1 && optarg[0] == 'N'               ? PD_UNIT_NEWTON
				   : ul == 4 && !strncmp(optarg, "mmHg", 4)    ? PD_UNIT_MMHG
									       : PD_UNIT_COUNTS;
			if (o->sp.unit == PD_UNIT_COUNTS || !end || *end || !(per > 0) || per > 1e6)
				rc = bad(name, optarg, "expected UNIT:PER_COUNT, UNIT kPa, N or mmHg, e.g. kPa:0.05");
			o->sp.units_per_count = (float)per;
			break;
		}
		case O_SEED:
			rc = get_u64(name, optarg, 0, UINT32_MAX, &u);
			o->sp.seed = (uint32_t)u;
			break;
		case O_ENCODING:
			rc = get_choice(name, optarg, encodings, &choice);
			o->encoding = choice ? PMF_ENC_ZERO_RUN : PMF_ENC_RAW;
			pmf_only = true;
			break;
		case O_NO_WAIT_START:
			o->wait_start = false;
			pmf_only = true;
			break;
		case O_ASCII_FORM:
			rc = get_choice(name, optarg, forms, &choice);
			o->ascii_form = choice ? ASCII_BLOCK : ASCII_SINGLE_LINE;
			ascii_only = true;
			break;
		case O_HEADER:
			o->header_every = 0;
			if (optarg) {
				rc = get_u64(name, optarg, 1, 1000000, &u);
				o->header_every = (int)u;
			}
			ascii_only = true;
			break;
		case O_POLL:
			rc = get_char(name, optarg, &o->poll_char);
			ascii_only = true;
			break;
		case O_LOOP:
			o->sp.loop = true;
			break;
		case O_SPEED:
			rc = get_choice(name, optarg, speeds, &choice);
			o->speed_max = choice == 1;
			break;
		case O_DURATION:
			rc = get_double(name, optarg, 0.001, 1e9, &o->duration_s);
			break;
		case O_FRAMES:
			rc = get_u64(name, optarg, 1, UINT64_MAX, &o->max_frames);
			break;
		case 'l':
			o->link = optarg;
			break;
		case 't':
			o->truth_path = optarg;
			break;
		case 'v':
			o->verbose++;
			break;
		case O_GARBAGE:
			rc = get_double(name, optarg, 0, 1, &o->garbage_p);
			break;
		case O_CORRUPT_CRC:
			rc = get_u64(name, optarg, 1, UINT32_MAX, &u);
			o->corrupt_crc_every = (uint32_t)u;
			pmf_only = true;
			break;
		case O_SKIP_SEQ:
			rc = get_u64(name, optarg, 1, UINT32_MAX, &u);
			o->skip_seq_every = (uint32_t)u;
			break;
		case O_UNPLUG_AT:
			rc = get_double(name, optarg, 0, 1e9, &o->unplug_at_s);
			o->unplug = true;
			break;
		case O_UNPLUG_FOR:
			rc = get_double(name, optarg, 0, 86400, &o->unplug_for_s);
			unplug_for_given = true;
			break;
		case O_UNPLUG_EVERY:
			rc = get_double(name, optarg, 0.001, 1e9, &o->unplug_every_s);
			unplug_every_given = true;
			break;
		case O_UNPLUG_RESTART:
			o->unplug_restart = true;
			break;
		case O_INFO_RATE:
			rc = get_double(name, optarg, 0.001, 1e6, &o->info_rate_hz);
			pmf_only = true;
			break;
		case O_SEQ_START:
			rc = get_u64(name, optarg, 0, UINT32_MAX, &u);
			o->seq_start = (uint32_t)u;
			break;
		case O_CLOCK_START:
			rc = get_u64(name, optarg, 0, INT64_MAX, &o->clock_start_us);
			break;
		case O_CLOCK_JUMP_AT:
			rc = get_double(name, optarg, 0, 1e9, &o->clock_jump_at_s);
			o->clock_jump = true;
			break;
		case O_CLOCK_JUMP_US:
			rc = get_double(name, optarg, -9.2e18, 9.2e18, &d);
			o->clock_jump_us = (int64_t)d;
			jump_us_given = true;
			break;
		case O_CLOCK_WRAP_BITS:
			rc = get_u64(name, optarg, 16, 64, &u);
			o->clock_wrap_bits = (unsigned)u;
			break;
		case 'h':
			help(stdout);
			return OPTS_EXIT_OK;
		case 'V':
			printf("pressd-sim %s\n", PRESSD_VERSION);
			return OPTS_EXIT_OK;
		case ':':
			fprintf(stderr, "pressd-sim: %s needs an argument (see --help)\n", argv[optind - 1]);
			return OPTS_EXIT_USAGE;
		default:
			fprintf(stderr, "pressd-sim: unknown option %s (see --help)\n", argv[optind - 1]);
			return OPTS_EXIT_USAGE;
		}
		if (rc != 0)
			return OPTS_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "pressd-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
		return OPTS_EXIT_USAGE;
	}
	if (check_combination(o, cell_bits_given, unplug_for_given, unplug_every_given, ascii_only, pmf_only,
			      jump_us_given) != 0)
		return OPTS_EXIT_USAGE;
	return OPTS_RUN;
}
