/*
 * readbuf.h — the buffers a child's output is read into, counted by
 * reference, so that a bus subscriber that buffers PROCESS_LOG events
 * (the eventlistener plugin's pools) can keep a payload where it was read
 * instead of copying it (bus_event_hold, host->event_hold).
 *
 * Ownership: each reference belongs to whoever took it (readbuf_get,
 * readbuf_ref); the last readbuf_unref gives the buffer back to a short
 * list of spares for the next read, or frees it.
 */
#ifndef STHENO_READBUF_H
#define STHENO_READBUF_H

#include <stddef.h>

/* Room in front of the bytes read, for a head line (and a listener's
 * envelope) written before them, and the most bytes one read takes. */
#define READBUF_ROOM 512
#define READBUF_MAX (128 * 1024)

struct readbuf;

/* A buffer of READBUF_ROOM + READBUF_MAX + 1 bytes, one reference. */
struct readbuf *readbuf_get(void);
/* Its first byte: reads go to readbuf_base(rb) + READBUF_ROOM. */
char *readbuf_base(struct readbuf *);
/* 1 if p points into rb's bytes. */
int readbuf_has(const struct readbuf *, const char *p);
void readbuf_ref(struct readbuf *);
void readbuf_unref(struct readbuf *);
/* Free the spares (at exit, for leak checkers). */
void readbuf_spares_free(void);

#endif
