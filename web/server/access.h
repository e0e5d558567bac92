/* Who may use pressd-web (dashboard.md, "Safety"): exactly who may use
 * pressd. Every page, API call and WebSocket needs a secret, as a Jupyter
 * server does:
 *
 *  - the token, 32 hex digits made at first start and kept in a file that
 *    only pressd's group can read (until an administrator removes it and
 *    restarts pressd-web: a new one is made, every cookie is void);
 *  - or, with [web] password_hash (pressd-web --hash-password), the
 *    password, typed into /login.
 *
 * It is presented as ?token=T (a page answers with a cookie and a redirect
 * to the same address without it), as "Authorization: token T" (tools), or
 * by the cookie. The cookie holds a session id and its HMAC under the
 * token, so it stays good across restarts and names the session in the
 * log. Without it: 401 and how to get in, nothing else. */
#ifndef PRESSD_WEB_ACCESS_H
#define PRESSD_WEB_ACCESS_H
#include <civetweb.h>
#include <stdbool.h>

#define ACCESS_TOKEN_LEN 32
#define ACCESS_SESSION_LEN 16

/* The token from `token_file`, made there (mode 0640, in the directory's
 * group) when missing. 0, or -1 with why. */
int access_init(const char *token_file, const char *password_hash, char *err, size_t errlen);
void access_fini(void);

/* From begin_request, after the origin check: 0 to go on, else the
 * request was answered (401, a redirect with the cookie, the login page)
 * and this is its status. */
int access_check(struct mg_connection *conn);

/* The session of a request that passed: its cookie's id, or "token" for
 * one that carried the token itself. */
void access_session(const struct mg_connection *conn, char out[ACCESS_SESSION_LEN + 1]);

/* For /api/stats: refusals and logins since start. */
unsigned long access_refused(void);
unsigned long access_logins(void);

/* pressd-web --hash-password: a password from stdin to the hash
 * [web] password_hash takes. Exit status. */
int access_hash_password(void);
#endif
