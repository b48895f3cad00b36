/*
 * server.c - the listening socket and the MTA's connections (see
 * milter.h).
 *
 * We speak the milter protocol ourselves (wire.c, session.c) instead of
 * through libmilter. Debian's libmilter is built with its worker pool:
 * it reads each packet with five system calls (two reads, three polls)
 * and, whenever a connection pauses, hands it from a worker to a polling
 * thread and back. Postfix sends about fifteen packets for an ordinary
 * message (each stage's macros come in a packet of their own), so that
 * cost 0.37 ms of CPU per ordinary message and 0.77 ms per bounce, about
 * as much as Postfix's own extra work for a milter; reading whatever has
 * arrived and answering in one write costs 0.13 and 0.29 ms
 * (test/bench/milter.sh, Postfix 3.7, 2 cores).
 *
 * One thread per MTA connection, blocked in read(); Postfix opens one
 * connection per SMTP session, so threads follow the sessions in
 * progress (capped at MaxConnections). The threads are kept and reused: a
 * worker whose connection ends goes back to accept() the next one
 * itself, and retires only after IDLE_RETIRE seconds without one
 * (IDLE_KEEP always stay). Bounces usually come one per SMTP session,
 * and a new thread per connection cost 0.3-0.5 ms of CPU: its start,
 * and its first message growing a fresh malloc arena page by page.
 * SIGTERM and SIGINT shut the listener down; messages in progress get
 * STOP_WAIT_MS to finish, then the process ends and the MTA applies its
 * default action to what is left.
 *
 * TCP: our answers leave in one write, with TCP_NODELAY. The other way,
 * when the MTA is told not to wait for our answers (SMFIP_NR_*), it may
 * write again while its last write is unacknowledged; Nagle's algorithm
 * then holds the new bytes until our delayed ACK, up to 40 ms. So after
 * a read that needs no answer we send the ACK at once (TCP_QUICKACK on)
 * and go back to delayed ACKs (off), so that the next ACK rides on our
 * answer: two segments from us per ordinary message instead of three.
 * Where that option does not exist, the MTA is asked to wait for an
 * answer at every step instead, which is slower but never stalls.
 * And the segment size we accept is that of Ethernet (TCP_MAXSEG):
 * Postfix sizes its milter stream buffers to twice the MSS, so on
 * loopback (64 KB MSS) each cleanup process allocated 128 KB buffers
 * for every message. Measured: Postfix CPU per ordinary message through
 * an inet milter 3.83 -> 2.98 ms, as through a UNIX socket (3.04 ms).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "session.h"
#include "wire.h"

#define READ_TIMEOUT	3600		/* seconds an MTA may stay silent */
#define WRITE_TIMEOUT	300
#define STOP_WAIT_MS	5000
#define WARN_EVERY	60		/* seconds between "too many" lines */
#define ETHER_MSS	1460		/* Ethernet's; Postfix needs <= 2048 */
#define DEFER_SECONDS	5		/* TCP: wait that long for the first packet */
#define IDLE_RETIRE	60		/* seconds before an idle worker ends */
#define IDLE_KEEP	4		/* workers kept however long idle */

#ifdef TCP_QUICKACK
#define TCP_NO_REPLY_OK	true
#else
#define TCP_NO_REPLY_OK	false
#endif

static struct {
	int		 fd;
	bool		 tcp;
	int		 debug;
	char		 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t		 dev;		/* of the socket file we made */
	ino_t		 ino;
	int		 stop[2];	/* signal thread -> accept loop */
} lis = { .fd = -1, .stop = { -1, -1 } };

static atomic_ulong conn_ids;

struct conn {
	int		 fd;
	unsigned long	 id;
};

/*
 * The workers. Each one accepts a connection itself, serves it and goes
 * back to accept(): the kernel wakes one waiting thread per connection,
 * so a new connection costs one wake-up, not two (a listening thread
 * and the worker it hands the connection to). Every thread is either
 * accepting or busy; when the last accepting one takes a connection it
 * starts another first, so one always accepts. Busy ones are at most
 * MaxConnections: with that many busy, the one left accepting refuses
 * (closes) what comes, so threads are at most MaxConnections + 1.
 */
static struct {
	pthread_mutex_t	 lock;
	unsigned	 threads;	/* started and not retired */
	unsigned	 accepting;	/* in accept(), or on the way to it */
	unsigned	 busy;		/* serving a connection */
	unsigned	 max;		/* MaxConnections */
	time_t		 warned;	/* last "too many" line */
	atomic_bool	 stopping;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool
open_unix(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return false;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return false;
	}
	/* A socket left by a dead instance goes; a live one is refused. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			goto fail;
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			snprintf(err, errlen, "%s: in use by another process", path);
			goto fail;
		}
		if (errno != ECONNREFUSED) {
			snprintf(err, errlen, "%s: cannot tell whether another process "
			    "uses it: %s", path, strerror(errno));
			goto fail;
		}
		close(fd);
		if (unlink(path) != 0 ||
		    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
			snprintf(err, errlen, "%s: cannot replace the stale socket: %s",
			    path, strerror(errno));
			return false;
		}
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(fd, SOMAXCONN) != 0 || stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	lis.fd = fd;
	lis.tcp = false;
	memcpy(lis.path, path, strlen(path) + 1);
	lis.dev = st.st_dev;
	lis.ino = st.st_ino;
	return true;
fail:
	close(fd);
	return false;
}

/* inet:PORT[@HOST] or inet6:PORT[@HOST], HOST a name or an address,
 * an IPv6 one maybe in brackets; no HOST: every address. */
static bool
open_inet(const char *spec, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	char port[16], host[256];
	const char *p = strchr(spec, ':') + 1, *at = strchr(p, '@');
	size_t plen = at ? (size_t)(at - p) : strlen(p);
	int fd = -1, on = 1, mss = ETHER_MSS, defer = DEFER_SECONDS, rc;

	host[0] = '\0';
	if (plen == 0 || plen >= sizeof(port) || (at && strlen(at + 1) >= sizeof(host))) {
		snprintf(err, errlen, "%s: expected inet:PORT@HOST", spec);
		return false;
	}
	memcpy(port, p, plen);
	port[plen] = '\0';
	if (at != NULL) {
		const char *h = at + 1;
		size_t hlen = strlen(h);

		if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']')
			h++, hlen -= 2;
		memcpy(host, h, hlen);
		host[hlen] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = strncmp(spec, "inet6:", 6) == 0 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return false;
	}
	snprintf(err, errlen, "%s: no address to listen on", spec);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		/* Accepted sockets inherit it on Linux; others set it again. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		/* Announced in our SYN-ACK: the MTA's side sees it too. */
		setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss));
#ifdef TCP_DEFER_ACCEPT
		/* accept() returns once the MTA's first packet is there: the
		 * worker wakes once, not for the connection and again for it. */
		setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer));
#endif
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
			break;
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return false;
	lis.fd = fd;
	lis.tcp = true;
	return true;
}

bool
milter_open(const char *spec, int debug, unsigned max_conns, char *err, size_t errlen)
{
	const char *path = daemon_unix_path(spec);

	lis.debug = debug;
	pool.max = max_conns > 0 ? max_conns : 1;
	if (path != NULL)
		return open_unix(path, err, errlen);
	if (strncmp(spec, "inet:", 5) == 0 || strncmp(spec, "inet6:", 6) == 0)
		return open_inet(spec, err, errlen);
	snprintf(err, errlen, "%s: expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST", spec);
	return false;
}

static bool
write_all(int fd, const unsigned char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* TCP: acknowledge what was read now, then delay ACKs again. */
static void
ack_now(int fd)
{
#ifdef TCP_QUICKACK
	int on = 1, off = 0;

	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &off, sizeof(off));
#else
	(void)fd;
#endif
}

/* Read, answer what was read in one write, until the MTA hangs up. */
static void
converse(struct conn *c, struct session *s)
{
	struct wire_in in = { 0 };
	struct wire_out out = { 0 };
	struct wire_packet p;
	enum wire_status st = WIRE_MORE;
	bool more = true;

	while (more) {
		unsigned char *room;
		size_t space;
		ssize_t n;

		if ((room = wire_space(&in, &space)) == NULL) {
			log_msg(LOG_WARNING, "connection %lu: out of memory reading; closing it", c->id);
			break;
		}
		if ((n = read(c->fd, room, space)) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				log_msg(LOG_INFO, "connection %lu: %s", c->id,
				    errno == EAGAIN || errno == EWOULDBLOCK ?
				    "the MTA was silent too long" : strerror(errno));
			break;
		}
		wire_got(&in, (size_t)n);
		while (more && (st = wire_next(&in, &p)) == WIRE_PACKET)
			more = session_packet(s, &p, &out);
		if (more && st == WIRE_BAD) {
			log_msg(LOG_WARNING, "connection %lu: packet longer than %d bytes "
			    "or empty; closing it, the MTA applies its default action",
			    c->id, WIRE_MAX);
			more = false;
		}
		if (out.len > 0 && !out.failed) {
			if (!write_all(c->fd, out.buf, out.len))
				break;
			out.len = 0;
		} else if (lis.tcp)
			ack_now(c->fd);
	}
	wire_in_free(&in);
	wire_out_free(&out);
}

static void
serve(struct conn c)
{
	struct timeval rt = { READ_TIMEOUT, 0 }, wt = { WRITE_TIMEOUT, 0 };
	struct session *s;
	int on = 1;

	setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
	setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &wt, sizeof(wt));
	if (lis.tcp)
		setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if ((s = session_new(!lis.tcp || TCP_NO_REPLY_OK, c.id, lis.debug >= 3)) != NULL) {
		converse(&c, s);
		session_free(s);
	} else
		log_msg(LOG_WARNING, "connection %lu: out of memory; closed", c.id);
	close(c.fd);
}

static void *worker(void *);

static bool
start_worker(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	if ((rc = pthread_attr_init(&attr)) == 0) {
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&tid, &attr, worker, NULL);
		pthread_attr_destroy(&attr);
	}
	if (rc != 0)
		log_msg(LOG_WARNING, "cannot start a thread for connections: %s", strerror(rc));
	return rc == 0;
}

/* Closed at once, so the MTA applies its default action. Called locked. */
static void
refuse(int fd)
{
	if (time(NULL) - pool.warned >= WARN_EVERY) {
		log_msg(LOG_WARNING, "more than %u MTA connections at once "
		    "(MaxConnections); refusing new ones (the MTA applies its "
		    "default action)", pool.max);
		pool.warned = time(NULL);
	}
	close(fd);
}

/* The accepting thread becomes busy with fd, if allowed; false: fd was
 * refused and this thread accepts again. */
static bool
take(int fd)
{
	bool spare;

	pthread_mutex_lock(&pool.lock);
	if (pool.busy >= pool.max) {
		refuse(fd);
		pthread_mutex_unlock(&pool.lock);
		return false;
	}
	pool.busy++;
	pool.accepting--;
	if ((spare = pool.accepting == 0)) {
		pool.threads++;
		pool.accepting++;
	}
	pthread_mutex_unlock(&pool.lock);
	if (!spare || start_worker())
		return true;
	/* No thread to accept in our place: we stay the one. */
	close(fd);
	pthread_mutex_lock(&pool.lock);
	pool.threads--;
	pool.busy--;
	pthread_mutex_unlock(&pool.lock);
	return false;
}

static void
done(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.busy--;
	pool.accepting++;
	pthread_mutex_unlock(&pool.lock);
}

/* accept() timed out (the listener's SO_RCVTIMEO): retire, unless this
 * is one of the IDLE_KEEP or the last accepting thread. */
static bool
retire(void)
{
	bool go;

	pthread_mutex_lock(&pool.lock);
	if ((go = pool.threads > IDLE_KEEP && pool.accepting > 1)) {
		pool.threads--;
		pool.accepting--;
	}
	pthread_mutex_unlock(&pool.lock);
	return go;
}

static void *
worker(void *arg)
{
	struct conn c;

	(void)arg;
	for (;;) {
		if ((c.fd = accept4(lis.fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			if (!take(c.fd))
				continue;
			c.id = atomic_fetch_add(&conn_ids, 1) + 1;
			serve(c);
			done();
			continue;
		}
		if (atomic_load(&pool.stopping))
			break;
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			if (retire())
				return NULL;
			break;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			break;
		default:		/* out of descriptors or memory: breathe */
			log_msg(LOG_WARNING, "accept: %s", strerror(errno));
			poll(NULL, 0, 100);
			break;
		}
	}
	return NULL;
}

/* SIGTERM and SIGINT (blocked in every thread by main.c) end serving. */
static void *
signals(void *arg)
{
	sigset_t set;
	int sig;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	while (sigwait(&set, &sig) != 0)
		continue;
	log_msg(LOG_NOTICE, "%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	if (write(lis.stop[1], "x", 1) != 1)
		_exit(0);
	return NULL;
}

/* New connections are refused from here on; the accepting threads
 * wake (Linux: accept() fails) and end. The descriptor stays open, so
 * that its number is not reused under them. */
static void
close_listener(void)
{
	struct stat st;

	atomic_store(&pool.stopping, true);
	shutdown(lis.fd, SHUT_RDWR);
	/* Remove our socket file, not one a newer instance made there. */
	if (lis.path[0] != '\0' && stat(lis.path, &st) == 0 &&
	    st.st_dev == lis.dev && st.st_ino == lis.ino)
		unlink(lis.path);
}

static void
wait_for_messages(void)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	int waited;

	for (waited = 0; session_messages_open() > 0 && waited < STOP_WAIT_MS; waited += 20)
		nanosleep(&tick, NULL);
	if (session_messages_open() > 0)
		log_msg(LOG_WARNING, "stopping with %lu message(s) unfinished",
		    session_messages_open());
}

int
milter_serve(void)
{
	struct timeval idle = { IDLE_RETIRE, 0 };
	pthread_t tid;
	char x;

	/* accept() gives up after it: how an idle worker learns it is idle. */
	if (lis.fd < 0 || pipe(lis.stop) != 0 ||
	    setsockopt(lis.fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) != 0 ||
	    pthread_create(&tid, NULL, signals, NULL) != 0) {
		log_msg(LOG_ERR, "cannot start serving: %s", strerror(errno));
		return 1;
	}
	pthread_detach(tid);
	pool.threads = pool.accepting = 1;
	if (!start_worker()) {
		log_msg(LOG_ERR, "cannot start serving: no thread to accept connections");
		return 1;
	}
	while (read(lis.stop[0], &x, 1) < 0 && errno == EINTR)
		continue;
	close_listener();
	wait_for_messages();
	return 0;
}

const char *
milter_version(char *buf, size_t len)
{
	snprintf(buf, len, "milter protocol %d", SMFI_PROT_VERSION);
	return buf;
}
