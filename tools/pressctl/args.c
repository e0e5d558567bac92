#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

void pc_args_init(struct pc_args *a, const char *synopsis)
{
	memset(a, 0, sizeof *a);
	a->synopsis = synopsis;
}

bool pc_args_accept(struct pc_args *a, const struct pc_optspec *spec, int n)
{
	for (int i = 0; i < n; i++) {
		if (a->nspec >= PC_ARGS_MAX_OPTS)
			return false;
		a->spec[a->nspec++] = &spec[i];
	}
	return true;
}

int pc_args_usage(const struct pc_args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("pressctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: pressctl %s\n", a->synopsis ? a->synopsis : "[OPTION]... COMMAND [ARGS]");
	fputs("Try 'pressctl --help' for more information.\n", stderr);
	return EX_USAGE;
}

static int find_long(const struct pc_args *a, const char *name, size_t len)
{
	for (int i = 0; i < a->nspec; i++)
		if (strlen(a->spec[i]->name) == len && strncmp(a->spec[i]->name, name, len) == 0)
			return i;
	return -1;
}

static int find_short(const struct pc_args *a, char c)
{
	for (int i = 0; i < a->nspec; i++)
		if (a->spec[i]->short_name && a->spec[i]->short_name == c)
			return i;
	return -1;
}

static int find_name(const struct pc_args *a, const char *name)
{
	return find_long(a, name, strlen(name));
}

static bool add_value(struct pc_args *a, int opt, const char *value, int cap)
{
	const struct pc_optspec *s = a->spec[opt];
	if (a->nvals[opt] > 0 && !s->repeat) {
		pc_args_usage(a, "--%s given more than once", s->name);
		return false;
	}
	if (!a->vals[opt]) {
		a->vals[opt] = calloc((size_t)cap, sizeof *a->vals[opt]);
		if (!a->vals[opt]) {
			perror("pressctl");
			return false;
		}
	}
	a->vals[opt][a->nvals[opt]++] = value;
	return true;
}

/* "-5", "-0.5", "-.5": a number, not an option (for `set KEY -5`). */
static bool looks_negative_number(const char *s)
{
	return s[0] == '-' && (s[1] == '.' ? s[2] >= '0' && s[2] <= '9' : s[1] >= '0' && s[1] <= '9');
}

int pc_args_parse(struct pc_args *a, int argc, char **argv, bool stop_at_positional)
{
	int cap = argc > 0 ? argc : 1;
	bool only_positional = false;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		int opt = -1;
		const char *value = NULL;
		bool positional = only_positional || arg[0] != '-' || arg[1] == '\0';
		if (!positional && strcmp(arg, "--") == 0) {
			only_positional = true;
			continue;
		}
		if (!positional && arg[1] != '-' && looks_negative_number(arg) && find_short(a, arg[1]) < 0)
			positional = true;
		if (positional) {
			if (stop_at_positional)
				return i;
			if (!a->pos) {
				a->pos = calloc((size_t)cap, sizeof *a->pos);
				if (!a->pos) {
					perror("pressctl");
					return -1;
				}
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		if (arg[1] == '-') {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			opt = find_long(a, name, eq ? (size_t)(eq - name) : strlen(name));
			if (opt < 0) {
				pc_args_usage(a, "unknown option '--%.*s'", eq ? (int)(eq - name) : (int)strlen(name), name);
				return -1;
			}
			if (eq && !a->spec[opt]->has_arg) {
				pc_args_usage(a, "option '--%s' takes no value", a->spec[opt]->name);
				return -1;
			}
			value = eq ? eq + 1 : NULL;
		} else {
			opt = find_short(a, arg[1]);
			if (opt < 0) {
				pc_args_usage(a, "unknown option '-%c'", arg[1]);
				return -1;
			}
			if (arg[2] != '\0') {
				if (!a->spec[opt]->has_arg) {
					pc_args_usage(a, "option '-%c' takes no value (in '%s')", arg[1], arg);
					return -1;
				}
				value = arg + 2;
			}
		}
		if (a->spec[opt]->has_arg && !value) {
			if (i + 1 >= argc) {
				pc_args_usage(a, "option '%s' needs a value", arg);
				return -1;
			}
			value = argv[++i];
		}
		if (!add_value(a, opt, a->spec[opt]->has_arg ? value : "", cap))
			return -1;
	}
	return argc;
}

int pc_args_count(const struct pc_args *a, const char *name)
{
	int opt = find_name(a, name);
	return opt < 0 ? 0 : a->nvals[opt];
}

const char *pc_args_nth(const struct pc_args *a, const char *name, int i)
{
	int opt = find_name(a, name);
	return opt < 0 || i < 0 || i >= a->nvals[opt] ? NULL : a->vals[opt][i];
}

const char *pc_args_get(const struct pc_args *a, const char *name)
{
	return pc_args_nth(a, name, pc_args_count(a, name) - 1);
}

bool pc_args_has(const struct pc_args *a, const char *name)
{
	return pc_args_count(a, name) > 0;
}

void pc_args_free(struct pc_args *a)
{
	for (int i = 0; i < PC_ARGS_MAX_OPTS; i++)
		free(a->vals[i]);
	free(a->pos);
	memset(a, 0, sizeof *a);
}
