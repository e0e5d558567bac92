/* The tracing consumer: with daemon.trace_frames on, logs every frame each device
 * delivers (sequence, device time, a CRC-32 of the cells), so what pressd
 * decoded can be compared with what a device or pressd-sim sent. */
#ifndef PD_FRAME_TRACE_H
#define PD_FRAME_TRACE_H

#include "device.h"

struct pd_frame_trace;

struct pd_frame_trace *pd_frame_trace_start(struct pd_device *devs, int ndevs);
/* Drains what the readers delivered, then stops. */
void pd_frame_trace_stop(struct pd_frame_trace *t);

#endif
