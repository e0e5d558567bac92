/* Where clients (pressctl, pressd-web) look for pressd when told nothing:
 * the packaged layout's ipc:// sockets under /run/pressd (events.md
 * "Local access", docs/security.md) when that directory exists, else
 * loopback TCP, pressd's own default. The directory, not the socket, is
 * the test: a user outside group pressd cannot look inside it, and should
 * be told that the socket refused them, not sent to a TCP port nobody
 * listens on. */
#ifndef PD_ENDPOINTS_H
#define PD_ENDPOINTS_H

#define PD_RUN_DIR "/run/pressd"
#define PD_IPC_PUB "ipc://" PD_RUN_DIR "/events"
#define PD_IPC_CONTROL "ipc://" PD_RUN_DIR "/control"
#define PD_TCP_PUB "tcp://127.0.0.1:5555"
#define PD_TCP_CONTROL "tcp://127.0.0.1:5556"

const char *pd_default_pub(void);
const char *pd_default_control(void);

#endif
