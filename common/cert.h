/* CURVE certificates on disk, in the text format of czmq's zcert and
 * pyzmq's zmq.auth (NAME.key holds the public key, NAME.key_secret both),
 * so keys made by `pressctl keygen`, zmq.auth.create_certificates() or
 * czmq's tools are interchangeable. Keys stay Z85 text (40 characters). */
#ifndef PD_CERT_H
#define PD_CERT_H

#include <stdbool.h>
#include <stddef.h>

#define PD_Z85_KEY_LEN 40

struct pd_cert {
	char public_key[PD_Z85_KEY_LEN + 1];
	char secret_key[PD_Z85_KEY_LEN + 1]; /* "" in a public certificate */
};

/* Reads PATH. need_secret: the file must hold a secret key too.
 * 0, or -1 with "PATH: reason" in err. */
int pd_cert_load(const char *path, bool need_secret, struct pd_cert *out, char *err, size_t errlen);

/* Writes BASE.key (mode 0644) and BASE.key_secret (0600), refusing to
 * replace either. 0, or -1 with a reason. */
int pd_cert_save(const char *base, const struct pd_cert *c, const char *generator, char *err, size_t errlen);

/* True for 40 characters of the Z85 alphabet. */
bool pd_z85_key_valid(const char *s);

#endif
