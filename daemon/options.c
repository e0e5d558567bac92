#include "options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"

static void usage(FILE *f)
{
	fputs("Usage: pressd [-c FILE] [-d URI]... [-p ENDPOINT] [-C ENDPOINT] [-r DIR]\n"
	      "              [-s KEY=VALUE]... [-f] [-v|-q] [--version] [--help]\n"
	      "\n"
	      "Reads pressure mats and rollers, finds the pressure points and how each is\n"
	      "worked, publishes events over ZeroMQ and records the frames to HDF5.\n"
	      "\n"
	      "  -c, --config FILE      INI configuration (default " PD_DEFAULT_CONFIG " if present)\n"
	      "  -d, --device URI       a device to read; repeat for several:\n"
	      "                           /dev/ttyACM0, serial:/dev/ttyUSB0?baud=921600&protocol=pmf,\n"
	      "                           /dev/pts/N (pseudo-terminal), tcp:HOST:PORT,\n"
	      "                           sim:mat, sim:roller (?scenario=...&rows=...&cols=...&rate=...),\n"
	      "                           replay:FILE.h5 (?speed=1|max&loop=1),\n"
	      "                           auto[?slots=N] (slots for known USB devices, also those\n"
	      "                           plugged in later)\n"
	      "                         options after '?': protocol (",
	      f);
	char names[128];
	fputs(pd_protocol_names(names, sizeof names, ", ", ", "), f);
	fputs(", auto), id,\n"
	      "                           rows, cols, pitch_mm, units_per_count, unit, full_scale, baud, poll\n"
	      "  -p, --pub ENDPOINT     event endpoint (default tcp://127.0.0.1:5555)\n"
	      "  -C, --control ENDPOINT control endpoint (default tcp://127.0.0.1:5556)\n"
	      "  -r, --record DIR       record every device from the start, into DIR\n"
	      "  -s, --set KEY=VALUE    override a config key, e.g. -s analysis.hold_min_s=2\n"
	      "  -f, --foreground       stay in the foreground and log to stderr\n"
	      "  -v, --verbose          more logging (-vv: debug, every analysis event)\n"
	      "  -q, --quiet            less logging\n"
	      "      --list-ports       list serial ports with their USB ids, and exit\n"
	      "      --version          print the version and exit\n"
	      "      --help             print this help and exit\n"
	      "\n"
	      "Exit status: 0 after a clean stop, 64 for a bad option, 78 for a bad config\n"
	      "key or value. See pressd(8) and pressd.conf(5).\n",
	      f);
}

static int push(const char ***list, int *n, const char *item)
{
	const char **l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
	if (!l)
		return -1;
	l[(*n)++] = item;
	*list = l;
	return 0;
}

int pd_options_parse(struct pd_options *o, int argc, char **argv)
{
	enum { OPT_VERSION = 256, OPT_HELP, OPT_LIST_PORTS };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, 'd' },
		{ "pub", required_argument, NULL, 'p' },
		{ "control", required_argument, NULL, 'C' },
		{ "record", required_argument, NULL, 'r' },
		{ "set", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "list-ports", no_argument, NULL, OPT_LIST_PORTS },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	opterr = 0;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, ":c:d:p:C:r:s:fvq", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'd':
			if (push(&o->devices, &o->ndevices, optarg))
				return PD_EXIT_USAGE;
			break;
		case 'p': o->pub = optarg; break;
		case 'C': o->control = optarg; break;
		case 'r': o->record_dir = optarg; break;
		case 's':
			if (push(&o->overrides, &o->noverrides, optarg))
				return PD_EXIT_USAGE;
			break;
		case 'f': o->foreground = true; break;
		case 'v': o->verbosity++; break;
		case 'q': o->verbosity--; break;
		case OPT_VERSION: printf("pressd %s\n", PRESSD_VERSION); return 0;
		case OPT_HELP: usage(stdout); return 0;
		case OPT_LIST_PORTS: o->list_ports = true; break;
		case ':':
			fprintf(stderr, "pressd: option '%s' needs an argument\n", argv[optind - 1]);
			fputs("Try 'pressd --help'.\n", stderr);
			return PD_EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "pressd: unknown option '-%c'\n", optopt);
			else
				fprintf(stderr, "pressd: unknown option '%s'\n", argv[optind - 1]);
			fputs("Try 'pressd --help'.\n", stderr);
			return PD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pressd: unexpected argument '%s' (devices go after -d)\n", argv[optind]);
		return PD_EXIT_USAGE;
	}
	return -1;
}

void pd_options_free(struct pd_options *o)
{
	free(o->devices);
	free(o->overrides);
}
