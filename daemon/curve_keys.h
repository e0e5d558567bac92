/* The keys of remote access (events.md "Remote subscribers"): pressd's
 * own CURVE certificate and the allow-list of client public keys, one
 * certificate file per client in a directory (the layout of czmq's
 * zcertstore and pyzmq's zmq.auth), so granting access is copying a
 * client's NAME.key in and revoking it is deleting the file. */
#ifndef PD_CURVE_KEYS_H
#define PD_CURVE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"

#define PD_CURVE_MAX_CLIENTS 256

struct pd_curve_client {
	char name[64]; /* the file's name without .key: who this is, in logs */
	char z85[PD_Z85_KEY_LEN + 1];
	uint8_t key[32];
};

struct pd_curve_keys {
	bool enabled; /* a server certificate is configured */
	struct pd_cert server;
	int nclients;
	struct pd_curve_client clients[PD_CURVE_MAX_CLIENTS];
};

/* Reads the server's secret certificate and every *.key file of
 * clients_dir. 0, or -1 with a reason naming the file. */
int pd_curve_keys_load(struct pd_curve_keys *k, const char *server_cert, const char *clients_dir, char *err,
		       size_t errlen);

/* The allowed client with this public key, or NULL. */
const struct pd_curve_client *pd_curve_keys_find(const struct pd_curve_keys *k, const uint8_t key[32]);

#endif
