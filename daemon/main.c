/* pressd: configuration, start-up, the main loop (signals, systemd, periodic
 * statistics) and an orderly stop. Devices read on their own threads; the
 * consumers of their frames run on theirs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <zmq.h>

#include "analysis_worker.h"
#include "clock.h"
#include "config.h"
#include "auto/slots.h"
#include "control.h"
#include "curve_auth.h"
#include "device.h"
#include "frame_trace.h"
#include "log.h"
#include "options.h"
#include "process.h"
#include "ports_list.h"
#include "publisher.h"
#include "recorder.h"
#include "socket_access.h"
#include "source.h"
#include "transport/serial_ports.h"
#include "stats_log.h"
#include "status_pub.h"

struct daemon {
	struct pd_options opt;
	struct pd_config cfg;
	int base_level;
	struct pd_device *devs;
	int ndevs;
	struct pd_frame_trace *trace;
	struct pd_analysis_worker *analysis;
	void *zctx;
	struct pd_publisher *publisher;
	struct pd_status_pub status;
	struct pd_control *control;
	struct pd_auth *auth; /* NULL unless CURVE keys are configured */
	struct pd_recorder *recorder;
	struct pd_analysis_params *params; /* per device, as `set` left them */
	int sigfd;
};

static int level_from(const struct pd_config *c, int verbosity)
{
	if (c->log_level >= 0)
		return c->log_level;
	int l = LOG_NOTICE + verbosity;
	return l < LOG_ERR ? LOG_ERR : l > LOG_DEBUG ? LOG_DEBUG : l;
}

/* Builds the configuration from defaults, the file, the options, -s and -d,
 * in that order. Returns 0 or the exit status for the mistake, reported. */
static int build_config(const struct pd_options *o, struct pd_config *c)
{
	char err[512];
	pd_config_default(c);
	const char *path = o->config;
	if (!path && access(PD_DEFAULT_CONFIG, F_OK) == 0)
		path = PD_DEFAULT_CONFIG;
	if (path && pd_config_load(c, path, err, sizeof err) != 0) {
		pd_err("%s", err);
		return PD_EXIT_CONFIG;
	}
	struct { const char *key, *value; } from_opts[] = {
		{ "pub", o->pub }, { "control", o->control }, { "record_dir", o->record_dir },
	};
	for (size_t i = 0; i < sizeof from_opts / sizeof from_opts[0]; i++)
		if (from_opts[i].value &&
		    pd_config_set(c, "daemon", from_opts[i].key, from_opts[i].value, err, sizeof err) != 0) {
			pd_err("%s", err);
			return PD_EXIT_USAGE;
		}
	for (int i = 0; i < o->noverrides; i++)
		if (pd_config_override(c, o->overrides[i], err, sizeof err) != 0) {
			pd_err("%s", err);
			return PD_EXIT_CONFIG;
		}
	for (int i = 0; i < o->ndevices; i++) {
		struct pd_uri probe;
		if (pd_uri_parse(o->devices[i], &probe, err, sizeof err) != 0) {
			pd_err("-d %s: %s", o->devices[i], err);
			return PD_EXIT_USAGE;
		}
		if (pd_config_add_device_uri(c, o->devices[i], err, sizeof err) != 0) {
			pd_err("-d %s: %s", o->devices[i], err);
			return PD_EXIT_USAGE;
		}
	}
	if (pd_config_finish(c, err, sizeof err) != 0) {
		pd_err("%s", err);
		return PD_EXIT_CONFIG;
	}
	/* -d devices come last, so those past the config's are the command line's. */
	int first_cmdline = c->ndevices - o->ndevices;
	for (int i = 0; i < c->ndevices; i++)
		if (pd_source_check_uri(&c->devices[i].uri, err, sizeof err) != 0) {
			pd_err("device %s: %s", c->devices[i].id, err);
			return i >= first_cmdline ? PD_EXIT_USAGE : PD_EXIT_CONFIG;
		}
	return 0;
}

static int id_in_use(const struct daemon *dm, const char *id)
{
	for (int i = 0; i < dm->ndevs; i++)
		if (!strcmp(dm->devs[i].id, id))
			return 1;
	return 0;
}

/* One `auto` slot (drivers/auto/slots.h), named like the kind it expects. */
static int add_auto_slot(struct daemon *dm, const struct pd_uri *tmpl, const char *kind)
{
	if (dm->ndevs == PD_MAX_DEVICES) {
		pd_warn("auto: at most %d devices", PD_MAX_DEVICES);
		return -1;
	}
	struct pd_uri u = *tmpl;
	for (int n = 0; !u.id[0] || id_in_use(dm, u.id); n++)
		snprintf(u.id, sizeof u.id, "%s%d", kind, n);
	char err[256];
	if (pd_device_init(&dm->devs[dm->ndevs], &u, dm->cfg.ring_s, err, sizeof err) != 0) {
		pd_err("auto: %s", err);
		return -1;
	}
	dm->ndevs++;
	return 0;
}

struct auto_ctx {
	struct daemon *dm;
	const struct pd_uri *tmpl; /* the `auto` URI, for its options */
	int found;
};

static void add_known_port(void *ctx, const struct pd_serial_port_desc *port)
{
	struct auto_ctx *a = ctx;
	const struct pd_known_device *k = pd_known_device_match(port);
	if (!k || add_auto_slot(a->dm, a->tmpl, k->kind) != 0)
		return;
	pd_info("auto: %s is a known %s (%s)", port->path, k->kind, port->usb_product);
	a->found++;
}

/* `auto`: a slot per known device connected now, named after its kind,
 * and at least slots= (1) in all, so that a mat plugged in later has one
 * to go to. Slots take any free known device when they open. */
static void open_auto(struct daemon *dm, const struct pd_uri *tmpl)
{
	struct auto_ctx a = { dm, tmpl, 0 };
	pd_serial_ports_list(add_known_port, &a);
	int want = tmpl->slots > 0 ? tmpl->slots : 1;
	for (int n = a.found; n < want; n++)
		if (add_auto_slot(dm, tmpl, "mat") != 0)
			break;
	pd_log(LOG_NOTICE, "auto: %d known device%s connected, %d slot%s", a.found, a.found == 1 ? "" : "s",
	       a.found > want ? a.found : want, (a.found > want ? a.found : want) == 1 ? "" : "s");
}

static int open_devices(struct daemon *dm)
{
	char err[256];
	dm->devs = calloc(PD_MAX_DEVICES, sizeof *dm->devs);
	if (!dm->devs)
		return -1;
	/* Named devices first, so `auto` picks ids around theirs and never
	 * takes their ports. */
	for (int i = 0; i < dm->cfg.ndevices; i++) {
		const struct pd_uri *u = &dm->cfg.devices[i].uri;
		if (u->scheme == PD_URI_AUTO)
			continue;
		if (pd_device_init(&dm->devs[dm->ndevs], u, dm->cfg.ring_s, err, sizeof err) != 0) {
			pd_err("%s: %s", u->id, err);
			return -1;
		}
		if (u->scheme == PD_URI_SERIAL)
			pd_auto_reserve(u->path);
		dm->ndevs++;
	}
	for (int i = 0; i < dm->cfg.ndevices; i++)
		if (dm->cfg.devices[i].uri.scheme == PD_URI_AUTO)
			open_auto(dm, &dm->cfg.devices[i].uri);
	return 0;
}

/* The analysis parameters the file changed take their new values; the
 * others keep what they are now, `set` at run time or not. Each change is
 * logged. */
static void reload_analysis(struct daemon *dm, const struct pd_analysis_params *was,
			    const struct pd_analysis_params *now)
{
	char err[256];
	for (size_t k = 0; pd_analysis_param_name(k); k++) {
		const char *key = pd_analysis_param_name(k);
		char before[64], after[64], running[64];
		if (pd_analysis_params_get(was, key, before, sizeof before) != 0 ||
		    pd_analysis_params_get(now, key, after, sizeof after) != 0)
			continue;
		if (!strcmp(before, after)) {
			for (int i = 0; i < dm->ndevs; i++)
				if (pd_analysis_params_get(&dm->params[i], key, running, sizeof running) == 0 &&
				    strcmp(running, after) != 0)
					pd_log(LOG_NOTICE, "SIGHUP: %s: analysis.%s stays %s (set at run time; the file says %s)",
					       dm->devs[i].id, key, running, after);
			continue;
		}
		pd_log(LOG_NOTICE, "SIGHUP: analysis.%s: %s -> %s", key, before, after);
		for (int i = 0; i < dm->ndevs; i++) {
			struct pd_analysis_params p = dm->params[i];
			if (pd_analysis_params_set(&p, key, after, err, sizeof err) == 0 &&
			    pd_analysis_params_check(&p, err, sizeof err) == 0)
				dm->params[i] = p;
			else
				pd_err("SIGHUP: %s: analysis.%s = %s: %s; keeping %s", dm->devs[i].id, key, after, err, before);
		}
	}
	for (int i = 0; i < dm->ndevs; i++)
		pd_analysis_worker_set_params(dm->analysis, i, &dm->params[i]);
}

static void reload(struct daemon *dm)
{
	struct pd_config *fresh = malloc(sizeof *fresh);
	if (!fresh)
		return;
	if (build_config(&dm->opt, fresh) != 0) {
		pd_err("SIGHUP: configuration has errors; keeping the running one");
		free(fresh);
		return;
	}
	int devices_changed = fresh->ndevices != dm->cfg.ndevices;
	for (int i = 0; !devices_changed && i < fresh->ndevices; i++)
		devices_changed = strcmp(fresh->devices[i].uri.text, dm->cfg.devices[i].uri.text) != 0 ||
				  strcmp(fresh->devices[i].uri.id, dm->cfg.devices[i].uri.id) != 0;
	if (devices_changed)
		pd_warn("SIGHUP: device changes take effect at the next start");
	if (strcmp(fresh->pub, dm->cfg.pub) || strcmp(fresh->control, dm->cfg.control) ||
	    fresh->curve.enabled != dm->cfg.curve.enabled ||
	    strcmp(fresh->curve.server.public_key, dm->cfg.curve.server.public_key))
		pd_warn("SIGHUP: endpoint and server key changes take effect at the next start");
	else if (dm->auth)
		pd_auth_update(dm->auth, &fresh->curve); /* revoke or grant a client now */
	if (fresh->socket_gid != dm->cfg.socket_gid || fresh->socket_mode != dm->cfg.socket_mode)
		pd_warn("SIGHUP: daemon.socket_group and socket_mode changes take effect at the next start");
	/* What is bound stays as it is. */
	memcpy(fresh->pub, dm->cfg.pub, sizeof fresh->pub);
	memcpy(fresh->control, dm->cfg.control, sizeof fresh->control);
	/* Devices stay as they are; everything else takes the new values. */
	fresh->ndevices = dm->cfg.ndevices;
	memcpy(fresh->devices, dm->cfg.devices, sizeof fresh->devices);
	reload_analysis(dm, &dm->cfg.analysis, &fresh->analysis);
	dm->cfg = *fresh;
	free(fresh);
	pd_log_set_level(level_from(&dm->cfg, dm->opt.verbosity));
	pd_log(LOG_NOTICE, "configuration reloaded");
}

static void run(struct daemon *dm)
{
	uint64_t wd_usec = 0;
	int watchdog = sd_watchdog_enabled(0, &wd_usec) > 0;
	int64_t now = pd_mono_ns();
	int64_t next_status = now, next_stats = now + dm->cfg.stats_interval_s * 1000000000LL;
	int64_t next_wd = now;

	const struct pd_control_target target = {
		.devs = dm->devs, .ndevs = dm->ndevs, .params = dm->params, .analysis = dm->analysis,
		.status = &dm->status, .recorder = dm->recorder, .auth = dm->auth,
		.roots = &dm->cfg.roots, /* the same address after a reload's copy */
	};
	zmq_pollitem_t items[2] = {
		{ .fd = dm->sigfd, .events = ZMQ_POLLIN },
		{ .socket = pd_control_socket(dm->control), .events = ZMQ_POLLIN },
	};
	for (;;) {
		int rc = zmq_poll(items, 2, pd_control_timeout_ms(dm->control, 250));
		pd_control_serve(dm->control, &target); /* also the tares now in force */
		if (rc > 0 && items[0].revents) {
			struct signalfd_siginfo si;
			if (read(dm->sigfd, &si, sizeof si) == sizeof si) {
				if (si.ssi_signo == SIGHUP) {
					reload(dm);
				} else {
					pd_log(LOG_NOTICE, "signal %u: stopping", si.ssi_signo);
					return;
				}
			}
		}
		now = pd_mono_ns();
		pd_status_pub_tick(&dm->status, dm->devs, now);
		if (watchdog && now >= next_wd) {
			sd_notify(0, "WATCHDOG=1");
			next_wd = now + (int64_t)wd_usec * 1000 / 2;
		}
		if (now >= next_status) {
			char line[512];
			pd_stats_summary(line, sizeof line, dm->devs, dm->ndevs);
			sd_notifyf(0, "STATUS=%s", line);
			next_status = now + 1000000000LL;
		}
		if (dm->cfg.stats_interval_s > 0 && now >= next_stats) {
			for (int i = 0; i < dm->ndevs; i++)
				pd_stats_log(LOG_INFO, &dm->devs[i]);
			next_stats = now + dm->cfg.stats_interval_s * 1000000000LL;
		}
	}
}

/* The sockets and the threads behind them; endpoints are bound before the
 * daemon tells systemd it is ready. */
static int start_service(struct daemon *dm)
{
	char err[512];
	dm->params = calloc((size_t)dm->ndevs + 1, sizeof *dm->params);
	dm->zctx = zmq_ctx_new();
	if (!dm->params || !dm->zctx) {
		pd_err("out of memory");
		return -1;
	}
	for (int i = 0; i < dm->ndevs; i++)
		dm->params[i] = dm->cfg.analysis;
	if (dm->cfg.curve.enabled && !(dm->auth = pd_auth_new(dm->zctx, &dm->cfg.curve, err, sizeof err))) {
		pd_err("%s", err);
		return -1;
	}
	dm->publisher = pd_publisher_start(dm->zctx, dm->cfg.pub, dm->auth, dm->devs, dm->ndevs,
					   dm->cfg.frame_rate_hz, err, sizeof err);
	if (!dm->publisher || pd_status_pub_init(&dm->status, dm->zctx, dm->ndevs, err, sizeof err) != 0) {
		pd_err("%s", err);
		return -1;
	}
	const struct pd_recorder_config rc = {
		.dir = dm->cfg.record_dir[0] ? dm->cfg.record_dir : NULL,
		.max_mb = dm->cfg.record_max_mb,
		.max_s = dm->cfg.record_max_s,
		.stall_s = dm->cfg.archive_stall_s,
		.analysis = &dm->cfg.analysis,
	};
	dm->recorder = pd_recorder_start(dm->zctx, dm->devs, dm->ndevs, &rc, err, sizeof err);
	if (!dm->recorder) {
		pd_err("%s", err);
		return -1;
	}
	dm->analysis = pd_analysis_worker_start(dm->devs, dm->ndevs, &dm->cfg.analysis, dm->zctx, err, sizeof err);
	if (!dm->analysis) {
		pd_err("%s", err);
		return -1;
	}
	pd_recorder_use_analysis(dm->recorder, dm->analysis);
	dm->control = pd_control_open(dm->zctx, dm->cfg.control, dm->auth, err, sizeof err);
	if (!dm->control) {
		pd_err("%s", err);
		return -1;
	}
	if (pd_socket_access_apply("pub", dm->cfg.pub, dm->cfg.socket_gid, dm->cfg.socket_mode, err, sizeof err) != 0 ||
	    pd_socket_access_apply("control", dm->cfg.control, dm->cfg.socket_gid, dm->cfg.socket_mode, err,
				   sizeof err) != 0) {
		pd_err("%s", err);
		return -1;
	}
	if (dm->auth && pd_auth_run(dm->auth) != 0) {
		pd_err("cannot start the ZAP handler thread");
		return -1;
	}
	pd_info("publishing on %s, control on %s", dm->cfg.pub, dm->cfg.control);
	return 0;
}

static void shutdown_all(struct daemon *dm)
{
	sd_notify(0, "STOPPING=1");
	for (int i = 0; i < dm->ndevs; i++)
		pd_device_stop(&dm->devs[i]);
	pd_frame_trace_stop(dm->trace); /* these drain what was read */
	pd_recorder_use_analysis(dm->recorder, NULL);
	pd_analysis_worker_stop(dm->analysis); /* its last events are queued */
	pd_recorder_stop(dm->recorder);        /* records them, closes the files */
	if (dm->status.dev) {
		dm->status.next_tick_ns = 0; /* the final state of every device */
		pd_status_pub_tick(&dm->status, dm->devs, pd_mono_ns());
	}
	pd_status_pub_fini(&dm->status);
	pd_control_close(dm->control);
	pd_publisher_stop(dm->publisher); /* sends what is queued, lingers for it */
	pd_auth_free(dm->auth);           /* after the sockets it checked are closed */
	if (dm->zctx)
		zmq_ctx_term(dm->zctx);
	pd_publisher_free(dm->publisher);
	free(dm->params);
	for (int i = 0; i < dm->ndevs; i++) {
		pd_stats_log(LOG_NOTICE, &dm->devs[i]);
		pd_device_free(&dm->devs[i]);
	}
	free(dm->devs);
	if (dm->sigfd >= 0)
		close(dm->sigfd);
}

int main(int argc, char **argv)
{
	static struct daemon dm; /* large (the config holds every device section) */
	dm.sigfd = -1;
	int rc = pd_options_parse(&dm.opt, argc, argv);
	if (rc >= 0) {
		pd_options_free(&dm.opt);
		return rc;
	}
	pd_log_init("pressd", 0, level_from(&(struct pd_config){ .log_level = -1 }, dm.opt.verbosity));
	if (dm.opt.list_ports) {
		rc = pd_ports_list_print(stdout) < 0 ? 1 : 0;
		pd_options_free(&dm.opt);
		return rc;
	}
	rc = build_config(&dm.opt, &dm.cfg);
	if (rc != 0) {
		pd_options_free(&dm.opt);
		return rc;
	}
	pd_log_set_level(level_from(&dm.cfg, dm.opt.verbosity));

	if (!dm.opt.foreground) {
		if (pd_daemonize() != 0) {
			pd_err("cannot daemonize: %m");
			return 1;
		}
		pd_log_init("pressd", 1, level_from(&dm.cfg, dm.opt.verbosity));
	}
	dm.sigfd = pd_signals_fd();
	if (dm.sigfd < 0 || open_devices(&dm) != 0) {
		shutdown_all(&dm);
		pd_options_free(&dm.opt);
		return 1;
	}
	if (start_service(&dm) != 0) {
		shutdown_all(&dm);
		pd_options_free(&dm.opt);
		return 1;
	}
	if (dm.cfg.trace_frames && dm.ndevs > 0) {
		dm.trace = pd_frame_trace_start(dm.devs, dm.ndevs);
		if (!dm.trace)
			pd_warn("frame trace unavailable");
	}

	for (int i = 0; i < dm.ndevs; i++)
		if (pd_device_start(&dm.devs[i]) != 0)
			pd_err("%s: cannot start its reader thread", dm.devs[i].id);
	if (dm.ndevs == 0)
		pd_log(LOG_NOTICE, "no devices configured (use -d URI or a [device.<id>] section)");
	pd_log(LOG_NOTICE, "pressd %s running with %d device%s", PRESSD_VERSION, dm.ndevs, dm.ndevs == 1 ? "" : "s");
	sd_notify(0, "READY=1");

	run(&dm);
	shutdown_all(&dm);
	pd_options_free(&dm.opt);
	return 0;
}
