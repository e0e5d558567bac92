/* pressctl: the command-line client of pressd (see --help and
 * docs/pressctl.md). This file: the options every command shares, the
 * command table, dispatch. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "args.h"
#include "commands.h"
#include "import_cli.h"
#include "keys.h"
#include "offline.h"
#include "parse.h"
#include "pressctl.h"
#include "watch.h"

#define GLOBAL_SYNOPSIS "[-C ENDPOINT] [-p ENDPOINT] [-k SERVER.key -K CLIENT.key_secret] [-t TIMEOUT_S] [--json] COMMAND [ARGS]"

static const struct pc_optspec global_opts[] = {
	{ "control", 'C', true, false },   { "pub", 'p', true, false }, { "timeout", 't', true, false },
	{ "json", 0, false, false },       { "server-key", 'k', true, false }, { "key", 'K', true, false },
	{ "help", 'h', false, false },     { "version", 'V', false, false },
};
#define GLOBAL_OPTS_AFTER_COMMAND 6 /* all but --help and --version */
static const struct pc_optspec device_opt[] = { { "device", 'd', true, false } };
static const struct pc_optspec watch_opts[] = {
	{ "type", 'T', true, true }, { "device", 'd', true, true }, { "map", 'm', false, false },
	{ "frames", 0, true, false }, { "count", 'n', true, false },
};
static const struct pc_optspec export_opts[] = { { "csv", 0, true, false }, { "mat", 0, true, false } };
static const struct pc_optspec report_opts[] = {
	{ "output", 'o', true, false }, { "set", 's', true, true }, { "unit", 0, true, false },
	{ "maps-csv", 0, true, false },
};
static const struct pc_optspec import_opts[] = {
	{ "output", 'o', true, false }, { "dir", 'd', true, false },	  { "matrix", 0, true, false },
	{ "rate", 0, true, false },	{ "pitch", 0, true, false },	  { "unit", 0, true, false },
	{ "order", 0, true, false },	{ "flip-rows", 0, false, false }, { "flip-cols", 0, false, false },
};
static const struct pc_optspec record_opts[] = {
	{ "device", 'd', true, false }, { "dir", 0, true, false }, { "meta", 0, true, true },
};

struct command {
	const char *name;
	const char *synopsis;
	const struct pc_optspec *opts;
	int nopts;
	int (*run)(const struct pc_global *g, const struct pc_args *a);
};

#define OPTS(a) a, (int)(sizeof a / sizeof a[0])
static const struct command commands[] = {
	{ "status", "status", NULL, 0, pc_cmd_status },
	{ "watch", "watch [--type T]... [--device D]... [--count N] [--json] | watch --map [--device D] [--frames N]",
	  OPTS(watch_opts), pc_cmd_watch },
	{ "record", "record start [--device D] [--dir DIR] [--meta KEY=VALUE]... | record stop [--device D]",
	  OPTS(record_opts), pc_cmd_record },
	{ "tare", "tare DEVICE", NULL, 0, pc_cmd_tare },
	{ "mark", "mark [--device D] LABEL", OPTS(device_opt), pc_cmd_mark },
	{ "set", "set KEY VALUE [--device D]", OPTS(device_opt), pc_cmd_set },
	{ "version", "version", NULL, 0, pc_cmd_version },
	{ "info", "info FILE", NULL, 0, pc_cmd_info },
	{ "export", "export FILE --csv DIR | --mat OUT.mat", OPTS(export_opts), pc_cmd_export },
	{ "recover", "recover FILE", NULL, 0, pc_cmd_recover },
	{ "report", "report FILE... -o OUT.pdf|OUT.svg|OUT.png [--set analysis.KEY=VALUE]... [--unit kPa|mmHg] [--maps-csv DIR]",
	  OPTS(report_opts), pc_cmd_report },
	{ "import", PC_IMPORT_SYNOPSIS, OPTS(import_opts), pc_cmd_import },
	{ "hotplug", "hotplug add|remove PATH", NULL, 0, pc_cmd_hotplug },
	{ "keygen", "keygen NAME", NULL, 0, pc_cmd_keygen },
};

static void help(void)
{
	fputs(
"NAME\n"
"    pressctl - control pressd, watch what it publishes, read its recordings\n"
"\n"
"SYNOPSIS\n"
"    pressctl " GLOBAL_SYNOPSIS "\n"
"\n"
"COMMANDS\n"
"    status\n"
"        The daemon's devices: state, what each is (info), its counters\n"
"        (stats) and where it is recording. --json prints the raw reply.\n"
"\n"
"    watch [--type T]... [--device D]... [-n|--count N] [--json]\n"
"        Print events as they happen, one line each:\n"
"            12:03:04.512 hold/mat0 progress id=3 30.0s of 30s ✓ peak=2407 counts\n"
"        --type picks types (status contact press hold pulses stroke roll\n"
"        mark recording frame; repeat for several), --device picks devices.\n"
"        Frames are shown only with --type frame (a summary line each).\n"
"        A gap in a type's sequence numbers is shown as [N lost].\n"
"        --json prints each message's JSON as sent, one per line (a frame:\n"
"        its header). --count stops after N messages; else runs until\n"
"        Ctrl-C (exit 0). Waits and reconnects while pressd is away.\n"
"\n"
"    watch --map [--device D] [--frames N]\n"
"        The live pressure map of device D (or of the first device that\n"
"        sends a frame), redrawn in place: one character per cell from\n"
"        ' .:-=+*#%@' (and colour on a terminal) scaled to the device's\n"
"        full scale, contact ids at their cells, the hold timer in the\n"
"        status line. A map larger than the terminal is downsampled (each\n"
"        character the highest of its cells). Into a pipe or file the maps\n"
"        follow one another as plain text; --frames stops after N maps.\n"
"\n"
"    record start [--device D] [--dir DIR] [--meta KEY=VALUE]...\n"
"    record stop [--device D]\n"
"        Start or stop recording (every device unless --device). A\n"
"        relative DIR is taken from the current directory. --meta adds\n"
"        a string to the file's metadata (subject, session, notes...).\n"
"\n"
"    tare DEVICE\n"
"        Take DEVICE's coming frames as its zero baseline; returns once\n"
"        it is in force, or fails after 5 s if no frames come.\n"
"\n"
"    mark [--device D] LABEL...\n"
"        Publish an annotation and store it in the recording; the words\n"
"        of LABEL are joined with spaces.\n"
"\n"
"    set KEY VALUE [--device D]\n"
"        Change an analysis parameter at run time (KEY with or without\n"
"        'analysis.'). VALUE goes as a JSON number when it is one, else\n"
"        as a string such as 4%.\n"
"\n"
"    version\n"
"        This client's version and the daemon's (version, schema).\n"
"\n"
"    hotplug add|remove PATH\n"
"        Tell pressd a device node appeared or went, as udev's\n"
"        pressd-device@.service does: the configured device on that port\n"
"        (PATH or a link to it, such as /dev/pressure/SERIAL) is opened\n"
"        at once instead of at its next retry.\n"
"\n"
"    keygen NAME\n"
"        Make a CURVE key pair for remote access: NAME.key (the public\n"
"        key, to give out) and NAME.key_secret (mode 0600, to keep). A\n"
"        client's NAME.key goes into pressd's daemon.curve_clients\n"
"        directory; pressd's own pair is named by daemon.curve_key, and\n"
"        clients pass its public .key with --server-key. The files are\n"
"        czmq/pyzmq certificates (zmq.auth.load_certificate reads them).\n"
"        Existing files are never replaced.\n"
"\n"
"OFFLINE COMMANDS (on recording files; no daemon needed)\n"
"    info FILE\n"
"        What a recording holds: device id, kind, model, serial,\n"
"        firmware, geometry, rate, unit, protocol, session start,\n"
"        duration (first to last frame plus one frame interval), frames,\n"
"        gaps (count and frames missing), events per type, meta.\n"
"\n"
"    export FILE --csv DIR\n"
"        Write DIR/frames.csv (a header row, then one frame per line:\n"
"        frame (device sequence), t_s, time_s, [encoder,] r1c1_<unit>...\n"
"        in physical units), one CSV per table (presses, holds, pulses,\n"
"        pulse_durations, strokes, rolls, marks, settings, gaps; every\n"
"        column named with its unit: t_s, peak_kPa), tare.csv and\n"
"        recording.csv (key,value). DIR is made if missing.\n"
"    export FILE --mat OUT.mat\n"
"        Write a MAT 5 file for Octave's and MATLAB's load: frames\n"
"        [rows, cols, N] raw counts, conversion, unit, t, time, tare,\n"
"        device, analysis, meta, and events.<table> struct arrays.\n"
"\n"
"    import FILE... [-o OUT.h5 | -d DIR]\n"
"    import --matrix ROWSxCOLS --rate HZ --pitch MM[xMM] --unit UNIT FILE...\n"
"        Other vendors' recordings as pressd recordings, one per FILE\n"
"        (default ./NAME.h5), the format told by the content; a plain\n"
"        matrix with its geometry given. The formats, with an example of\n"
"        each: pressctl import --help (docs/import.md). Exit 65 when a file\n"
"        is not a complete recording (the file and line say why), no\n"
"        output then.\n"
"\n"
"    report FILE... -o OUT.pdf|OUT.svg|OUT.png [--set analysis.KEY=VALUE]...\n"
"           [--unit kPa|mmHg] [--maps-csv DIR]\n"
"        A session report, one section per FILE: subject, device,\n"
"        calibration; peak-pressure and pressure-time maps (tared);\n"
"        force over time with holds, pulses and marks; a dose table per\n"
"        site; data quality (losses, saturation, baselines); the analysis\n"
"        parameters and where they came from. Two or more FILEs: a\n"
"        comparison page first (sessions in time order, per site and\n"
"        session: compression, holds, pulse sets, glides, peak; only\n"
"        sessions on the same mat geometry; different subjects warned).\n"
"        .pdf: every page in one file; .svg, .png: a file per page, OUT\n"
"        then OUT-2, OUT-3... (r.svg, r-2.svg...), all renamed into place\n"
"        once complete. --set re-analyses the recorded frames with that\n"
"        parameter; --unit converts kPa/mmHg; --maps-csv also writes the\n"
"        maps as CSV. A file being recorded, unfinished, empty or not a\n"
"        recording: exit 1, no output (docs/report.md).\n"
"\n"
"    recover FILE\n"
"        Make a file a crash (kill -9, power cut) left unfinished open\n"
"        normally again, keeping every frame that was flushed; says what\n"
"        it did. A clean file is left as it is; a file a running pressd\n"
"        is writing is refused.\n"
"\n"
"OPTIONS\n"
"    -C, --control ENDPOINT  control socket (default $PRESSCTL_CONTROL, else\n"
"                            " PD_IPC_CONTROL " when " PD_RUN_DIR "\n"
"                            exists, else " PD_TCP_CONTROL ")\n"
"    -p, --pub ENDPOINT      event stream (default $PRESSCTL_PUB, else\n"
"                            " PD_IPC_PUB " when " PD_RUN_DIR "\n"
"                            exists, else " PD_TCP_PUB ")\n"
"    -t, --timeout SECONDS   how long to wait for a reply (default 3)\n"
"    -k, --server-key FILE   pressd's public certificate (SERVER.key), and\n"
"    -K, --key FILE          this client's secret one (NAME.key_secret):\n"
"                            connect with CURVE, as a pressd with\n"
"                            daemon.curve_key requires on every tcp://\n"
"                            endpoint. Defaults: $PRESSCTL_SERVER_KEY,\n"
"                            $PRESSCTL_KEY\n"
"    --json                  raw JSON out: the reply, or the events\n"
"    -h, --help              this text\n"
"    -V, --version           pressctl's version\n"
"    Options may come before or after the COMMAND.\n"
"\n"
"EXIT STATUS\n"
"    0 done; 1 pressd refused the request, or the recording cannot be\n"
"    read or recovered (the reason is printed);\n"
"    64 bad usage; 69 no answer from pressd within the timeout;\n"
"    76 a reply pressd should not have sent; 74 output failed;\n"
"    73 the export directory, the report's output or a key file cannot\n"
"    be made;\n"
"    66 a key file is missing, 65 it is not a CURVE certificate.\n",
	      stdout);
}

/* Every argument must be UTF-8: JSON strings are. */
static int check_utf8(const struct pc_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		json_t *s = json_string(argv[i]);
		if (!s)
			return pc_args_usage(a, "argument '%s' is not valid UTF-8", argv[i]);
		json_decref(s);
	}
	return 0;
}

static int apply_globals(const struct pc_args *a, struct pc_global *g)
{
	const char *v;
	if ((v = pc_args_get(a, "control")))
		g->control = v;
	if ((v = pc_args_get(a, "pub")))
		g->pub = v;
	if ((v = pc_args_get(a, "timeout")) && !pd_parse_double(v, 0.001, 86400, &g->timeout_s))
		return pc_args_usage(a, "--timeout '%s' is not a number of seconds (0.001 to 86400)", v);
	if (pc_args_has(a, "json"))
		g->json = true;
	if ((v = pc_args_get(a, "server-key")))
		g->server_key_path = v;
	if ((v = pc_args_get(a, "key")))
		g->key_path = v;
	if (!*g->control || !*g->pub)
		return pc_args_usage(a, "an endpoint is empty");
	return 0;
}

int main(int argc, char **argv)
{
	struct pc_global g = { .control = pd_default_control(), .pub = pd_default_pub(),
			       .timeout_s = PC_DEFAULT_TIMEOUT_S };
	/* Environment first, so a dashboard's scripts need not repeat them. */
	g.server_key_path = getenv("PRESSCTL_SERVER_KEY");
	g.key_path = getenv("PRESSCTL_KEY");
	if (getenv("PRESSCTL_CONTROL"))
		g.control = getenv("PRESSCTL_CONTROL");
	if (getenv("PRESSCTL_PUB"))
		g.pub = getenv("PRESSCTL_PUB");
	struct pc_args top;
	pc_args_init(&top, GLOBAL_SYNOPSIS);
	pc_args_accept(&top, global_opts, (int)(sizeof global_opts / sizeof global_opts[0]));
	int rc = check_utf8(&top, argc, argv);
	if (rc)
		return rc;
	int first = pc_args_parse(&top, argc - 1, argv + 1, true);
	if (first < 0)
		return EX_USAGE;
	first++; /* index in argv */
	if (pc_args_has(&top, "help")) {
		help();
		pc_args_free(&top);
		return 0;
	}
	if (pc_args_has(&top, "version")) {
		printf("pressctl %s\n", PRESSD_VERSION);
		pc_args_free(&top);
		return 0;
	}
	if ((rc = apply_globals(&top, &g)) != 0)
		goto out_top;
	if (first >= argc) {
		rc = pc_args_usage(&top, "no command given");
		goto out_top;
	}
	const struct command *cmd = NULL;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, argv[first]) == 0)
			cmd = &commands[i];
	if (!cmd) {
		rc = pc_args_usage(&top, "unknown command '%s'", argv[first]);
		goto out_top;
	}
	struct pc_args a;
	pc_args_init(&a, cmd->synopsis);
	pc_args_accept(&a, global_opts, GLOBAL_OPTS_AFTER_COMMAND); /* also after the command */
	static const struct pc_optspec cmd_help[] = { { "help", 'h', false, false } };
	pc_args_accept(&a, cmd_help, 1);
	if (cmd->opts)
		pc_args_accept(&a, cmd->opts, cmd->nopts);
	if (pc_args_parse(&a, argc - first - 1, argv + first + 1, false) < 0) {
		rc = EX_USAGE;
	} else if (pc_args_has(&a, "help")) {
		if (cmd->run == pc_cmd_import) /* the formats, from the importers' registry */
			pc_import_help();
		else
			printf("usage: pressctl %s\n", cmd->synopsis);
		rc = 0;
	} else if ((rc = apply_globals(&a, &g)) == 0 && (rc = pc_keys_load(&g)) == 0) {
		rc = cmd->run(&g, &a);
	}
	pc_args_free(&a);
out_top:
	pc_args_free(&top);
	return rc;
}
