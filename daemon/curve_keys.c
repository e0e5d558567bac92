#include "curve_keys.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct pd_curve_client *)a)->name, ((const struct pd_curve_client *)b)->name);
}

static int load_client(struct pd_curve_keys *k, const char *dir, const char *file, char *err, size_t errlen)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) {
		snprintf(err, errlen, "%s/%s: path too long", dir, file);
		return -1;
	}
	if (k->nclients == PD_CURVE_MAX_CLIENTS) {
		snprintf(err, errlen, "%s: more than %d client keys", dir, PD_CURVE_MAX_CLIENTS);
		return -1;
	}
	struct pd_cert cert;
	if (pd_cert_load(path, false, &cert, err, errlen) != 0)
		return -1;
	struct pd_curve_client *c = &k->clients[k->nclients];
	size_t base = strlen(file) - strlen(".key");
	snprintf(c->name, sizeof c->name, "%.*s", (int)(base < sizeof c->name ? base : sizeof c->name - 1), file);
	memcpy(c->z85, cert.public_key, sizeof c->z85);
	if (!zmq_z85_decode(c->key, c->z85)) {
		snprintf(err, errlen, "%s: public-key is not valid Z85", path);
		return -1;
	}
	k->nclients++;
	return 0;
}

int pd_curve_keys_load(struct pd_curve_keys *k, const char *server_cert, const char *clients_dir, char *err,
		       size_t errlen)
{
	memset(k, 0, sizeof *k);
	char why[4400]; /* a path and a reason */
	if (pd_cert_load(server_cert, true, &k->server, why, sizeof why) != 0) {
		snprintf(err, errlen, "daemon.curve_key: %s", why);
		return -1;
	}
	uint8_t probe[32];
	if (!zmq_z85_decode(probe, k->server.secret_key) || !zmq_z85_decode(probe, k->server.public_key)) {
		snprintf(err, errlen, "daemon.curve_key: %s: not a valid key pair", server_cert);
		return -1;
	}
	DIR *d = opendir(clients_dir);
	if (!d) {
		snprintf(err, errlen, "daemon.curve_clients: %s: %s (a directory of client NAME.key files)",
			 clients_dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		/* *.key only: NAME.key_secret and editor backups are not grants */
		if (e->d_name[0] == '.' || n <= 4 || strcmp(e->d_name + n - 4, ".key"))
			continue;
		if (load_client(k, clients_dir, e->d_name, why, sizeof why) != 0) {
			snprintf(err, errlen, "daemon.curve_clients: %s", why);
			rc = -1;
		}
	}
	closedir(d);
	if (rc)
		return rc;
	qsort(k->clients, (size_t)k->nclients, sizeof k->clients[0], by_name); /* stable logs */
	k->enabled = true;
	return 0;
}

const struct pd_curve_client *pd_curve_keys_find(const struct pd_curve_keys *k, const uint8_t key[32])
{
	for (int i = 0; i < k->nclients; i++)
		if (!memcmp(k->clients[i].key, key, 32))
			return &k->clients[i];
	return NULL;
}
