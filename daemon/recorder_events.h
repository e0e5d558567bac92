/* The recorder's event intake: everything that is not a frame. Finished
 * events and marks (the structs that were published), each parameter
 * change (a row of /events/settings, and the /analysis of the next file)
 * and each baseline with its cells (a row of /tare, and the /tare of the
 * next file) arrive on one inproc PULL socket (PD_RECORDER_INPROC) as
 * struct pd_event (pd_outlet_send_event); here they are handed to
 * pd_rec_append_event / pd_rec_append_tare. No JSON on this path: only
 * the publisher makes JSON.
 * The analysis and the recorder take frames at their own pace: an event
 * of a frame the recorder has yet to take is held here until that frame
 * is in a file. Nothing else of the recorder knows how an event looks. */
#ifndef PD_RECORDER_EVENTS_H
#define PD_RECORDER_EVENTS_H

#include <stddef.h>

struct pd_recorder;
struct dev_rec;

/* Binds the socket (r->sub), and makes each device's holding place. */
int rec_events_open(struct pd_recorder *r, void *zctx, char *err, size_t errlen);
/* Frees what is held and closes the socket (NULL sockets: a no-op). */
void rec_events_close(struct pd_recorder *r);

/* One message off the socket, into the file its frame is in (or held);
 * 0 when none was waiting. */
int rec_events_take(struct pd_recorder *r);

/* d's file now holds the frame at device time t: the held events up to t
 * go in (those before the file's first frame nowhere). */
void rec_events_frame_written(struct dev_rec *d, double t);
/* d is not recording and has seen the frame at t: events of frames
 * before it can go nowhere any more. */
void rec_events_frame_passed(struct dev_rec *d, double t);
/* A new stream (times start afresh), or the recording stopped: what is
 * held can no longer be placed. */
void rec_events_forget(struct dev_rec *d);

#endif
