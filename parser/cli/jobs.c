/*
 * jobs.c - bouncediag -j N: N worker threads diagnose, one thread reads
 * and writes, and the output is that of -j 1 byte for byte.
 *
 * The thread that walks the inputs copies each message into the next
 * slot of a ring of 2N; workers take slots in order and write each report
 * into the slot's own buffer; the walking thread writes finished slots
 * from the oldest on, and waits for the oldest when the ring is full.
 * So at most 2N messages of at most COPY_MAX bytes are in memory, however
 * big the mailbox.
 *
 * What does not fit a slot (a message over COPY_MAX, a source name over
 * SOURCE_MAX, a copy that found no memory) and an input that cannot be
 * read wait until everything before them is written and are then done by
 * the walking thread itself, as -j 1 does them: rare, and in order.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"

#define SLOTS_PER_WORKER 2
#define COPY_MAX	(1024 * 1024)		/* bigger messages are not copied */
#define SOURCE_MAX	(PATH_MAX + 32)		/* mailbox.c's "path:N" */

struct slot {
	char	 source[SOURCE_MAX];
	char	*msg;		/* the copy; the buffer is kept for the next */
	size_t	 len, cap;
	char	*out;		/* the report (open_memstream) */
	size_t	 outlen;
	bool	 failed;	/* out of memory: say so instead */
	bool	 done;		/* out or failed is ready to be written */
};

/*
 * Slots are numbered by three counters that only grow; slot i is
 * slot[i % nslot]. Below head: written. From head to take: being
 * diagnosed or done. From take to tail: copied, waiting for a worker.
 * tail - head <= nslot. The walking thread owns the slots it fills (at
 * tail) and writes (at head); a worker owns the slot it took until done.
 */
struct jobs {
	const struct diagnose *d;
	pthread_mutex_t	 lock;
	pthread_cond_t	 work;		/* take < tail, or closing */
	pthread_cond_t	 ready;		/* the slot at head is done */
	struct slot	*slot;
	size_t		 nslot;
	size_t		 head, take, tail;
	bool		 closing;	/* no more messages: workers end */
	bool		 failed;	/* some message was not diagnosed */
	pthread_t	*worker;
	unsigned	 nworker;
};

static void
diagnose_slot(const struct diagnose *d, struct slot *s)
{
	FILE *f;

	s->out = NULL;
	s->outlen = 0;
	if ((f = open_memstream(&s->out, &s->outlen)) == NULL) {
		s->failed = true;
		return;
	}
	s->failed = !diagnose_message(f, d, s->source, s->len ? s->msg : "", s->len);
	if (fclose(f) != 0)
		s->failed = true;
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

/* The same bytes -j 1 writes for this message. */
static void
write_slot(struct jobs *j, struct slot *s)
{
	if (s->failed) {
		diagnose_complain(s->source, "out of memory");
		j->failed = true;
	} else
		fwrite(s->out, 1, s->outlen, stdout);
	free(s->out);
	s->out = NULL;
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

/* Copy the message into the slot; false if it does not fit one. */
static bool
fill_slot(struct slot *s, const char *source, const char *msg, size_t len)
{
	size_t srclen = strlen(source), cap;
	char *nb;

	if (len > COPY_MAX || srclen >= sizeof(s->source))
		return false;
	if (len > s->cap) {
		for (cap = s->cap ? s->cap : 64 * 1024; cap < len; cap *= 2)
			;
		if ((nb = realloc(s->msg, cap)) == NULL)
			return false;
		s->msg = nb;
		s->cap = cap;
	}
	memcpy(s->source, source, srclen + 1);
	if (len > 0)
		memcpy(s->msg, msg, len);
	s->len = len;
	return true;
}

void
jobs_message(const char *source, const char *msg, size_t len, void *arg)
{
	struct jobs *j = arg;
	struct slot *s;

	write_ready(j, j->nslot - 1);
	/* Only this thread moves tail: reading it needs no lock. */
	s = &j->slot[j->tail % j->nslot];
	if (!fill_slot(s, source, msg, len)) {
		write_ready(j, 0);
		if (!diagnose_print(j->d, source, msg, len))
			j->failed = true;
		return;
	}
	pthread_mutex_lock(&j->lock);
	j->tail++;
	pthread_cond_signal(&j->work);
	pthread_mutex_unlock(&j->lock);
}

void
jobs_error(const char *path, const char *why, void *arg)
{
	struct jobs *j = arg;

	write_ready(j, 0);
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
		free(j->slot[i].msg);
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

	write_ready(j, 0);
	ok = !j->failed;
	jobs_free(j, j->nworker);
	return ok;
}
