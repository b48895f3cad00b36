/*
 * jobs.c - bouncediag -j N: N worker threads diagnose, one thread reads
 * and writes, and the output is that of -j 1 byte for byte.
 *
 * The thread that walks the inputs copies messages into a slot of a
 * ring of 2N, a batch of them (BATCH_BYTES: one hand-over per message
 * cost two context switches each); workers take slots in order and write
 * the reports into the slot's own buffer; the walking thread writes
 * finished slots from the oldest on, and waits for the oldest when the
 * ring is full. So at most 2N slots of at most COPY_MAX bytes are in
 * memory, however big the mailbox.
 *
 * What does not fit a slot (a message over COPY_MAX, a copy that found no
 * memory) and an input that cannot be read wait until everything before
 * them is written and are then done by the walking thread itself, as -j 1
 * does them: rare, and in order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"

#define SLOTS_PER_WORKER 2
#define BATCH_BYTES	(64 * 1024)		/* a slot is handed on past this */
#define COPY_MAX	(1024 * 1024)		/* bigger messages are not copied */

/* A message in a batch; its source ("path:N", NUL-terminated) and its
 * bytes follow. The worker fills in out_end and failed. */
struct entry {
	size_t	 srclen, len;
	size_t	 out_end;	/* its report ends here in the slot's out */
	bool	 failed;	/* out of memory: say so instead */
};

struct slot {
	char	*buf;		/* entries; the buffer is kept for the next */
	size_t	 used, cap;
	char	*out;		/* the reports (open_memstream) */
	size_t	 outlen;
	bool	 done;		/* out is ready to be written */
};

/*
 * Slots are numbered by three counters that only grow; slot i is
 * slot[i % nslot]. Below head: written. From head to take: being
 * diagnosed or done. From take to tail: filled, waiting for a worker.
 * tail - head <= nslot. The walking thread owns the slot it fills (at
 * tail, while filling) and the one it writes (at head); a worker owns
 * the slot it took until it is done.
 */
struct jobs {
	const struct diagnose *d;
	pthread_mutex_t	 lock;
	pthread_cond_t	 work;		/* take < tail, or closing */
	pthread_cond_t	 ready;		/* the slot at head is done */
	struct slot	*slot;
	size_t		 nslot;
	size_t		 head, take, tail;
	bool		 filling;	/* the slot at tail is being filled */
	bool		 closing;	/* no more messages: workers end */
	bool		 failed;	/* some message was not diagnosed */
	pthread_t	*worker;
	unsigned	 nworker;
};

static size_t
entry_size(size_t srclen, size_t len)
{
	size_t n = sizeof(struct entry) + srclen + 1 + len;

	return (n + alignof(struct entry) - 1) / alignof(struct entry) * alignof(struct entry);
}

static void
diagnose_slot(const struct diagnose *d, struct slot *s)
{
	struct entry *e;
	const char *source;
	size_t at;
	bool bad;
	FILE *f;

	s->out = NULL;
	s->outlen = 0;
	f = open_memstream(&s->out, &s->outlen);
	for (at = 0; at < s->used; at += entry_size(e->srclen, e->len)) {
		e = (struct entry *)(void *)(s->buf + at);
		source = (const char *)(e + 1);
		e->failed = f == NULL ||
		    !diagnose_message(f, d, source, source + e->srclen + 1, e->len);
		e->out_end = f != NULL ? (size_t)ftello(f) : 0;
	}
	/* A write that found no memory leaves a report cut short. */
	bad = f == NULL || ferror(f);
	if (f != NULL && fclose(f) != 0)
		bad = true;
	if (bad) {
		for (at = 0; at < s->used; at += entry_size(e->srclen, e->len)) {
			e = (struct entry *)(void *)(s->buf + at);
			e->failed = true;
		}
	}
}

static void *
worker_main(void *arg)
{
	struct jobs *j = arg;
	struct slot *s;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		while (j->take == j->tail && !j->closing)
			pthread_cond_wait(&j->work, &j->lock);
		if (j->take == j->tail)
			break;
		s = &j->slot[j->take++ % j->nslot];
		pthread_mutex_unlock(&j->lock);
		diagnose_slot(j->d, s);
		pthread_mutex_lock(&j->lock);
		s->done = true;
		if (s == &j->slot[j->head % j->nslot])
			pthread_cond_signal(&j->ready);
	}
	pthread_mutex_unlock(&j->lock);
	return NULL;
}

/* The same bytes -j 1 writes for these messages. */
static void
write_slot(struct jobs *j, struct slot *s)
{
	const struct entry *e;
	size_t at, from = 0;

	for (at = 0; at < s->used; at += entry_size(e->srclen, e->len)) {
		e = (const struct entry *)(void *)(s->buf + at);
		if (e->failed || e->out_end < from || e->out_end > s->outlen) {
			diagnose_complain((const char *)(e + 1), "out of memory");
			j->failed = true;
		} else {
			fwrite(s->out + from, 1, e->out_end - from, stdout);
			from = e->out_end;
		}
	}
	free(s->out);
	s->out = NULL;
	s->used = 0;
}

/* Write the finished slots from the oldest on, waiting for them until
 * at most keep are in flight. */
static void
write_ready(struct jobs *j, size_t keep)
{
	struct slot *s;

	pthread_mutex_lock(&j->lock);
	while (j->head < j->tail) {
		s = &j->slot[j->head % j->nslot];
		if (!s->done) {
			if (j->tail - j->head <= keep)
				break;
			pthread_cond_wait(&j->ready, &j->lock);
			continue;
		}
		pthread_mutex_unlock(&j->lock);
		write_slot(j, s);
		pthread_mutex_lock(&j->lock);
		s->done = false;
		j->head++;
	}
	pthread_mutex_unlock(&j->lock);
}

/* Hand the slot being filled to the workers. */
static void
hand_on(struct jobs *j)
{
	if (!j->filling)
		return;
	j->filling = false;
	if (j->slot[j->tail % j->nslot].used == 0)
		return;
	pthread_mutex_lock(&j->lock);
	j->tail++;
	pthread_cond_signal(&j->work);
	pthread_mutex_unlock(&j->lock);
}

/* Everything before this point written: for what the walking thread
 * does itself. */
static void
write_all(struct jobs *j)
{
	hand_on(j);
	write_ready(j, 0);
}

/* Append the message to the slot being filled; false if it does not fit
 * a slot, or no memory was found for it. */
static bool
fill(struct jobs *j, const char *source, const char *msg, size_t len)
{
	size_t srclen = strlen(source), need, cap;
	struct entry *e;
	struct slot *s;
	char *nb;

	if (srclen > COPY_MAX || len > COPY_MAX || (need = entry_size(srclen, len)) > COPY_MAX)
		return false;
	if (j->filling && j->slot[j->tail % j->nslot].used + need > BATCH_BYTES)
		hand_on(j);
	if (!j->filling) {
		/* Only this thread moves tail: reading it needs no lock. */
		write_ready(j, j->nslot - 1);
		j->filling = true;
	}
	s = &j->slot[j->tail % j->nslot];
	if (s->used + need > s->cap) {
		for (cap = s->cap ? s->cap : BATCH_BYTES; cap < s->used + need; cap *= 2)
			;
		if ((nb = realloc(s->buf, cap)) == NULL)
			return false;
		s->buf = nb;
		s->cap = cap;
	}
	e = (struct entry *)(void *)(s->buf + s->used);
	*e = (struct entry){ .srclen = srclen, .len = len };
	memcpy(e + 1, source, srclen + 1);
	if (len > 0)
		memcpy((char *)(e + 1) + srclen + 1, msg, len);
	s->used += need;
	return true;
}

void
jobs_message(const char *source, const char *msg, size_t len, void *arg)
{
	struct jobs *j = arg;

	if (fill(j, source, msg, len))
		return;
	write_all(j);
	if (!diagnose_print(j->d, source, msg, len))
		j->failed = true;
}

void
jobs_error(const char *path, const char *why, void *arg)
{
	struct jobs *j = arg;

	write_all(j);
	diagnose_complain(path, why);
}

/* Stop the first n workers and free everything. */
static void
jobs_free(struct jobs *j, unsigned n)
{
	size_t i;

	pthread_mutex_lock(&j->lock);
	j->closing = true;
	pthread_cond_broadcast(&j->work);
	pthread_mutex_unlock(&j->lock);
	while (n > 0)
		pthread_join(j->worker[--n], NULL);
	for (i = 0; j->slot != NULL && i < j->nslot; i++) {
		free(j->slot[i].buf);
		free(j->slot[i].out);
	}
	pthread_cond_destroy(&j->ready);
	pthread_cond_destroy(&j->work);
	pthread_mutex_destroy(&j->lock);
	free(j->worker);
	free(j->slot);
	free(j);
}

struct jobs *
jobs_start(unsigned n, const struct diagnose *d)
{
	struct jobs *j;
	unsigned i;
	int err;

	if (n < 2 || n > JOBS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->d = d;
	j->nslot = (size_t)n * SLOTS_PER_WORKER;
	j->slot = calloc(j->nslot, sizeof(*j->slot));
	j->worker = calloc(n, sizeof(*j->worker));
	pthread_mutex_init(&j->lock, NULL);
	pthread_cond_init(&j->work, NULL);
	pthread_cond_init(&j->ready, NULL);
	if (j->slot == NULL || j->worker == NULL) {
		jobs_free(j, 0);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if ((err = pthread_create(&j->worker[i], NULL, worker_main, j)) != 0) {
			jobs_free(j, i);
			errno = err;
			return NULL;
		}
	}
	j->nworker = n;
	return j;
}

bool
jobs_finish(struct jobs *j)
{
	bool ok;

	write_all(j);
	ok = !j->failed;
	jobs_free(j, j->nworker);
	return ok;
}
