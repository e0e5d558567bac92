#include "keys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <zmq.h>

int pc_keys_load(struct pc_global *g)
{
	char why[4400];
	bool missing;
	if (pd_curve_client_load(&g->keys, g->server_key_path, g->key_path, "--server-key", "--key", &missing, why,
				 sizeof why) != 0) {
		fprintf(stderr, "pressctl: %s\n", why);
		if (!g->server_key_path != !g->key_path)
			return EX_USAGE;
		return missing ? EX_NOINPUT : EX_DATAERR;
	}
	return 0;
}

void *pc_connect(void *ctx, const struct pc_global *g, int type, const char *endpoint, const char *what)
{
	void *sock = zmq_socket(ctx, type);
	if (!sock) {
		fprintf(stderr, "pressctl: cannot create a socket: %s\n", zmq_strerror(zmq_errno()));
		return NULL;
	}
	int zero = 0;
	zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
	if (pd_curve_client_apply(&g->keys, sock) != 0) {
		fprintf(stderr, "pressctl: cannot use CURVE: %s\n", zmq_strerror(zmq_errno()));
		zmq_close(sock);
		errno = EPERM;
		return NULL;
	}
	if (zmq_connect(sock, endpoint) != 0) {
		int err = zmq_errno();
		fprintf(stderr, "pressctl: bad %s endpoint '%s': %s\n", what, endpoint, zmq_strerror(err));
		zmq_close(sock);
		errno = err; /* for the caller's choice of exit status */
		return NULL;
	}
	return sock;
}

int pc_cmd_keygen(const struct pc_global *g, const struct pc_args *a)
{
	(void)g;
	if (a->npos != 1)
		return pc_args_usage(a, "keygen takes one NAME (writes NAME.key and NAME.key_secret)");
	struct pd_cert c;
	if (zmq_curve_keypair(c.public_key, c.secret_key) != 0) {
		fprintf(stderr, "pressctl: cannot make a CURVE key pair: %s (libzmq without libsodium?)\n",
			zmq_strerror(zmq_errno()));
		return EX_SOFTWARE;
	}
	char why[4400];
	if (pd_cert_save(a->pos[0], &c, "pressctl " PRESSD_VERSION, why, sizeof why) != 0) {
		fprintf(stderr, "pressctl: %s\n", why);
		return EX_CANTCREAT;
	}
	printf("%s.key         public key %s: give it out\n"
	       "%s.key_secret  the secret half (mode 0600): keep it here\n",
	       a->pos[0], c.public_key, a->pos[0]);
	return 0;
}
