/* The relay: one thread reads every pressd's event stream and hands each
 * message to every browser's own bounded queue; a writer thread per browser
 * drains it, so one slow browser never slows another, the reader or pressd. */
#ifndef PRESSD_WEB_RELAY_H
#define PRESSD_WEB_RELAY_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct relay;
struct mg_connection;
struct pd_curve_client_keys;

/* keys: CURVE client keys for every SUB socket (disabled: plain). */
struct relay *relay_start(void *zctx, char **pub, int n_pub, const struct pd_curve_client_keys *keys);
void relay_stop(struct relay *r);

/* A browser joined: it gets every device's latest state at once, then the
 * live stream. */
void relay_add_client(struct relay *r, struct mg_connection *conn);
void relay_remove_client(struct relay *r, struct mg_connection *conn);
/* A text message to one browser only (control replies), through its queue. */
void relay_send_one(struct relay *r, struct mg_connection *conn, const char *text);
/* Which -p endpoint (index) a device was last heard on, -1 if never. */
int relay_device_source(struct relay *r, const char *device);
/* JSON counters: clients, messages in, sent, dropped for slow browsers;
 * each pressd link's state (upstream.h). */
json_t *relay_stats_json(struct relay *r);
#endif
