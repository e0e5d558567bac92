#include "curve_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int pd_curve_client_load(struct pd_curve_client_keys *k, const char *server_path, const char *own_path,
			 const char *server_opt, const char *own_opt, bool *missing, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	*missing = false;
	/* Half a pair would silently connect in the clear to a pressd that
	 * then refuses it: say so instead. */
	if (!server_path != !own_path) {
		snprintf(err, errlen, "%s needs %s too (pressctl keygen NAME makes a key pair)",
			 server_path ? server_opt : own_opt, server_path ? own_opt : server_opt);
		return -1;
	}
	if (!server_path)
		return 0;
	if (pd_cert_load(server_path, false, &k->server, err, errlen) != 0 ||
	    pd_cert_load(own_path, true, &k->own, err, errlen) != 0) {
		*missing = errno == ENOENT;
		return -1;
	}
	k->enabled = true;
	return 0;
}

int pd_curve_client_apply(const struct pd_curve_client_keys *k, void *sock)
{
	if (!k->enabled)
		return 0;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k->server.public_key, PD_Z85_KEY_LEN) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k->own.public_key, PD_Z85_KEY_LEN) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k->own.secret_key, PD_Z85_KEY_LEN) != 0)
		return -1;
	return 0;
}
