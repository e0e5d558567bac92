/* Option parsing for pressctl's commands: GNU-style long and short options
 * mixed with positional arguments ("set KEY VALUE --device D"), from a small
 * table per command. A negative number ("-5") is a positional argument. */
#ifndef PC_ARGS_H
#define PC_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum { PC_ARGS_MAX_OPTS = 16 };

struct pc_optspec {
	const char *name; /* long name, without "--" */
	char short_name;  /* 0: none */
	bool has_arg;
	bool repeat; /* may be given more than once (else: an error) */
};

struct pc_args {
	const char *synopsis; /* for usage errors: "watch [--type T]..." */
	const struct pc_optspec *spec[PC_ARGS_MAX_OPTS];
	int nspec;
	const char **pos; /* positional arguments, in order */
	int npos;
	const char **vals[PC_ARGS_MAX_OPTS]; /* per option, its values ("" for a flag) */
	int nvals[PC_ARGS_MAX_OPTS];
};

/* Adds a table of options to those `a` accepts (before parsing). */
void pc_args_init(struct pc_args *a, const char *synopsis);
bool pc_args_accept(struct pc_args *a, const struct pc_optspec *spec, int n);

/* Parses argv[0..argc). With stop_at_positional, stops at the first
 * positional argument and returns its index (argc when there is none);
 * otherwise collects every positional and returns argc. On a mistake
 * prints it with the usage line and returns -1. */
int pc_args_parse(struct pc_args *a, int argc, char **argv, bool stop_at_positional);

int pc_args_count(const struct pc_args *a, const char *name);
const char *pc_args_nth(const struct pc_args *a, const char *name, int i);
const char *pc_args_get(const struct pc_args *a, const char *name); /* the last, or NULL */
bool pc_args_has(const struct pc_args *a, const char *name);
void pc_args_free(struct pc_args *a);

/* "pressctl: <message>" and the usage line on stderr; returns EX_USAGE. */
int pc_args_usage(const struct pc_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
