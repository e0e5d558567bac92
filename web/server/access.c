/* See access.h. */
#include "access.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define COOKIE "pressd_web"
#define LOGIN_BODY_MAX 1024

static char token[ACCESS_TOKEN_LEN + 1];
static char *password_hash;          /* NULL: token only */
static pthread_mutex_t login_mu = PTHREAD_MUTEX_INITIALIZER; /* one hash check at a time */
static atomic_ulong refused, logins;

unsigned long access_refused(void) { return atomic_load(&refused); }
unsigned long access_logins(void) { return atomic_load(&logins); }

static bool is_token(const char *s, size_t n)
{
	if (n != ACCESS_TOKEN_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int read_token(int fd, const char *path, char *err, size_t errlen)
{
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n < 0) {
		snprintf(err, errlen, "token file %s: %s", path, strerror(errno));
		return -1;
	}
	buf[n] = 0;
	size_t len = strcspn(buf, "\r\n");
	if (!is_token(buf, len)) {
		snprintf(err, errlen, "token file %s: expected %d hex digits (remove it for a new token)", path,
			 ACCESS_TOKEN_LEN);
		return -1;
	}
	memcpy(token, buf, ACCESS_TOKEN_LEN);
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		pd_log(4, "token file %s is readable by every user: chmod o-r it", path);
	return 0;
}

/* A new token, written with O_EXCL (two starts at once: one wins, the
 * other reads it). The group is the directory's when it is setgid (the
 * packaged /var/lib/pressd-web is pressd-web:pressd 2750). */
static int make_token(const char *path, char *err, size_t errlen)
{
	unsigned char b[ACCESS_TOKEN_LEN / 2];
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(token, sizeof token, b, sizeof b);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno == EEXIST ? 1 : (snprintf(err, errlen, "cannot make token file %s: %s", path, strerror(errno)), -1);
	char line[ACCESS_TOKEN_LEN + 2];
	snprintf(line, sizeof line, "%s\n", token);
	/* The umask (the unit's 0077) must not take the group's read away. */
	if (fchmod(fd, 0640) != 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write token file %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	pd_log(5, "made a new token in %s", path);
	return 0;
}

int access_init(const char *token_file, const char *hash, char *err, size_t errlen)
{
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium would not start");
		return -1;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open(token_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			int rc = read_token(fd, token_file, err, errlen);
			close(fd);
			if (rc != 0)
				return -1;
			break;
		}
		if (errno != ENOENT) {
			snprintf(err, errlen, "token file %s: %s", token_file, strerror(errno));
			return -1;
		}
		int rc = make_token(token_file, err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
	}
	if (hash && hash[0]) {
		password_hash = strdup(hash);
		if (!password_hash) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

void access_fini(void)
{
	free(password_hash);
	password_hash = NULL;
	sodium_memzero(token, sizeof token);
}

static bool token_ok(const char *s, size_t n)
{
	return n == ACCESS_TOKEN_LEN && sodium_memcmp(s, token, ACCESS_TOKEN_LEN) == 0;
}

/* A session's cookie: its id, '.', the first 32 hex digits of
 * HMAC-SHA256(token, id). */
static void session_mac(const char *sid, char out[33])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)sid, ACCESS_SESSION_LEN, (const unsigned char *)token);
	sodium_bin2hex(out, 33, mac, 16);
}

/* The session id of a valid cookie in `conn`'s request, into sid. */
static bool cookie_session(const struct mg_connection *conn, char sid[ACCESS_SESSION_LEN + 1])
{
	const char *hdr = mg_get_header(conn, "Cookie");
	char v[96];
	if (!hdr || mg_get_cookie(hdr, COOKIE, v, sizeof v) != ACCESS_SESSION_LEN + 1 + 32 || v[ACCESS_SESSION_LEN] != '.')
		return false;
	memcpy(sid, v, ACCESS_SESSION_LEN);
	sid[ACCESS_SESSION_LEN] = 0;
	char mac[33];
	session_mac(sid, mac);
	return sodium_memcmp(mac, v + ACCESS_SESSION_LEN + 1, 32) == 0;
}

static bool header_token(const struct mg_connection *conn)
{
	const char *h = mg_get_header(conn, "Authorization");
	if (!h)
		return false;
	const char *t = strncmp(h, "token ", 6) == 0 ? h + 6 : strncmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
	return t && token_ok(t, strlen(t));
}

void access_session(const struct mg_connection *conn, char out[ACCESS_SESSION_LEN + 1])
{
	if (!cookie_session(conn, out))
		snprintf(out, ACCESS_SESSION_LEN + 1, "token");
}

static int send_raw(struct mg_connection *conn, int status, const char *reason, const char *extra,
		    const char *type, const char *body)
{
	mg_printf(conn,
		  "HTTP/1.1 %d %s\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\nCache-Control: no-store\r\n"
		  "Connection: close\r\n\r\n%s",
		  status, reason, extra, type, strlen(body), body);
	return status;
}

/* A new session: its cookie, and a redirect to `to`. */
static int start_session(struct mg_connection *conn, const char *to, const char *how)
{
	char sid[ACCESS_SESSION_LEN + 1], mac[33];
	unsigned char b[ACCESS_SESSION_LEN / 2];
	randombytes_buf(b, sizeof b);
	sodium_bin2hex(sid, sizeof sid, b, sizeof b);
	session_mac(sid, mac);
	char extra[4600];
	snprintf(extra, sizeof extra,
		 "Set-Cookie: " COOKIE "=%s.%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict\r\nLocation: %s\r\n",
		 sid, mac, to);
	const struct mg_request_info *ri = mg_get_request_info(conn);
	atomic_fetch_add(&logins, 1);
	pd_log(5, "session %s started from %s:%d (%s)", sid, ri->remote_addr, ri->remote_port, how);
	return send_raw(conn, 303, "See Other", extra, "text/plain", "");
}

/* `uri` with its query less any token=..., for the redirect. */
static void without_token(const struct mg_request_info *ri, char *out, size_t cap)
{
	size_t n = (size_t)snprintf(out, cap, "%s", ri->local_uri);
	const char *q = ri->query_string;
	char sep = '?';
	while (q && *q && n < cap) {
		size_t len = strcspn(q, "&");
		if (strncmp(q, "token=", 6) != 0 && len > 0) {
			n += (size_t)snprintf(out + n, cap - n, "%c%.*s", sep, (int)len, q);
			sep = '&';
		}
		q += len + (q[len] == '&');
	}
}

static const char login_form[] =
	"<!doctype html><meta charset=utf-8><title>pressd-web: sign in</title>"
	"<form method=post action=/login><p><label>Password <input type=password name=password autofocus></label>"
	" <button>Sign in</button></p></form>";

static int refuse(struct mg_connection *conn, const char *why)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	atomic_fetch_add(&refused, 1);
	pd_log(7, "refused %s %s from %s:%d: %s", ri->request_method, ri->local_uri, ri->remote_addr, ri->remote_port, why);
	char body[2048];
	snprintf(body, sizeof body,
		 "<!doctype html><meta charset=utf-8><title>pressd-web: 401</title><p>%s</p>"
		 "<p>pressd-web needs its secret. Open the address it printed at start (http://&hellip;/?token=&hellip;): "
		 "the token is in its token file (pressd-web(1), [web] token_file), which only members of pressd's "
		 "group can read.%s</p>%s",
		 why, password_hash ? " Or sign in with the password." : "", password_hash ? login_form : "");
	return send_raw(conn, 401, "Unauthorized", "", "text/html; charset=utf-8", body);
}

static int login(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	if (strcmp(ri->request_method, "POST") != 0)
		return send_raw(conn, 200, "OK", "", "text/html; charset=utf-8", login_form);
	char body[LOGIN_BODY_MAX + 1];
	int n = 0, got;
	while (n < LOGIN_BODY_MAX && (got = mg_read(conn, body + n, (size_t)(LOGIN_BODY_MAX - n))) > 0)
		n += got;
	body[n] = 0;
	char pw[LOGIN_BODY_MAX + 1];
	if (mg_get_var(body, (size_t)n, "password", pw, sizeof pw) < 0)
		return refuse(conn, "expected a password");
	/* Checking a hash takes memory and time on purpose: one at a time,
	 * the others told to come back, so guessing cannot hold the workers. */
	if (pthread_mutex_trylock(&login_mu) != 0)
		return send_raw(conn, 429, "Too Many Requests", "Retry-After: 1\r\n", "text/plain", "another sign-in is being checked; try again\n");
	bool ok = crypto_pwhash_str_verify(password_hash, pw, strlen(pw)) == 0;
	pthread_mutex_unlock(&login_mu);
	sodium_memzero(pw, sizeof pw);
	sodium_memzero(body, sizeof body);
	if (!ok) {
		pd_log(5, "wrong password from %s:%d", ri->remote_addr, ri->remote_port);
		return refuse(conn, "wrong password");
	}
	return start_session(conn, "/", "password");
}

int access_check(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	if (password_hash && strcmp(ri->local_uri, "/login") == 0)
		return login(conn);
	char t[80];
	const char *q = ri->query_string;
	if (q && mg_get_var(q, strlen(q), "token", t, sizeof t) >= 0) {
		if (!token_ok(t, strlen(t)))
			return refuse(conn, "wrong token");
		/* A page asked for with the token: the cookie, and the same
		 * address without the token (so it stays out of the history).
		 * An API call or the WebSocket just goes on. */
		bool page = strcmp(ri->request_method, "GET") == 0 && strncmp(ri->local_uri, "/api/", 5) != 0 &&
			    strcmp(ri->local_uri, "/ws") != 0;
		if (!page)
			return 0;
		char to[4096];
		without_token(ri, to, sizeof to);
		for (const char *c = to; *c; c++)
			if (*c < 0x21 || *c > 0x7e)
				return refuse(conn, "a bad address"); /* no header of the client's making */
		return start_session(conn, to, "token");
	}
	char sid[ACCESS_SESSION_LEN + 1];
	if (header_token(conn) || cookie_session(conn, sid))
		return 0;
	return refuse(conn, mg_get_header(conn, "Cookie") ? "no valid session (the token was changed?)" : "no token");
}

int access_hash_password(void)
{
	if (sodium_init() < 0)
		return 1;
	char pw[1024];
	if (isatty(0))
		fprintf(stderr, "password: ");
	if (!fgets(pw, sizeof pw, stdin)) {
		fprintf(stderr, "pressd-web: --hash-password: no password on stdin\n");
		return 64;
	}
	pw[strcspn(pw, "\r\n")] = 0;
	if (!pw[0]) {
		fprintf(stderr, "pressd-web: --hash-password: empty password\n");
		return 64;
	}
	char hash[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		fprintf(stderr, "pressd-web: --hash-password: out of memory\n");
		return 1;
	}
	sodium_memzero(pw, sizeof pw);
	printf("%s\n", hash);
	return 0;
}
