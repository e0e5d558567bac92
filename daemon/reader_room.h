/* Backpressure between a device's reader and its lossless consumers
 * (reader_room.c). Reader thread only, but for the progress call. */
#ifndef PD_READER_ROOM_H
#define PD_READER_ROOM_H

#include <stddef.h>

#include "device.h"

/* Frames the reader may write into a ring of `slots` before a lossless
 * consumer would lose one (a replay at speed=max asks before each frame). */
size_t pd_reader_room(struct pd_device *d, size_t slots);

/* Waits until there is room for one more frame. 0, or -1 when told to stop. */
int pd_reader_wait_for_room(struct pd_device *d, size_t slots);

#endif
