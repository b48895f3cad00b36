/*
 * wire.h - the milter protocol on the wire: packets in, packets out.
 *
 * A packet is a length (4 bytes, network order, counting the command
 * byte), a command byte and the command's data. This layer only frames
 * and encodes; what a command means is session.c's business, and the
 * sockets are server.c's. Nothing here does I/O, so tests can feed it
 * any bytes. The names are the protocol's own (Sendmail's mfdef.h,
 * Postfix's milter8.c), defined here because we speak it ourselves.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMFI_PROT_VERSION	6

/* Commands, MTA to filter. */
#define SMFIC_ABORT	'A'
#define SMFIC_BODY	'B'
#define SMFIC_CONNECT	'C'
#define SMFIC_MACRO	'D'
#define SMFIC_BODYEOB	'E'
#define SMFIC_HELO	'H'
#define SMFIC_QUIT_NC	'K'
#define SMFIC_HEADER	'L'
#define SMFIC_MAIL	'M'
#define SMFIC_EOH	'N'
#define SMFIC_OPTNEG	'O'
#define SMFIC_QUIT	'Q'
#define SMFIC_RCPT	'R'
#define SMFIC_DATA	'T'
#define SMFIC_UNKNOWN	'U'

/* Replies and requests, filter to MTA. */
#define SMFIR_ADDRCPT	'+'
#define SMFIR_DELRCPT	'-'
#define SMFIR_ACCEPT	'a'
#define SMFIR_CONTINUE	'c'
#define SMFIR_DISCARD	'd'
#define SMFIR_ADDHEADER	'h'
#define SMFIR_CHGHEADER	'm'
#define SMFIR_QUARANTINE 'q'
#define SMFIR_SKIP	's'

/* Steps the filter need not be sent, or will not answer (SMFIP_*). */
#define SMFIP_NOCONNECT	0x00000001UL
#define SMFIP_NOHELO	0x00000002UL
#define SMFIP_NOMAIL	0x00000004UL
#define SMFIP_NORCPT	0x00000008UL
#define SMFIP_NOBODY	0x00000010UL
#define SMFIP_NOHDRS	0x00000020UL
#define SMFIP_NOEOH	0x00000040UL
#define SMFIP_NR_HDR	0x00000080UL
#define SMFIP_NOUNKNOWN	0x00000100UL
#define SMFIP_NODATA	0x00000200UL
#define SMFIP_SKIP	0x00000400UL
#define SMFIP_RCPT_REJ	0x00000800UL
#define SMFIP_NR_CONN	0x00001000UL
#define SMFIP_NR_HELO	0x00002000UL
#define SMFIP_NR_MAIL	0x00004000UL
#define SMFIP_NR_RCPT	0x00008000UL
#define SMFIP_NR_DATA	0x00010000UL
#define SMFIP_NR_UNKN	0x00020000UL
#define SMFIP_NR_EOH	0x00040000UL
#define SMFIP_NR_BODY	0x00080000UL
#define SMFIP_HDR_LEADSPC 0x00100000UL

/* Changes the filter may ask for at end of message (SMFIF_*). */
#define SMFIF_ADDHDRS	0x00000001UL
#define SMFIF_CHGBODY	0x00000002UL
#define SMFIF_ADDRCPT	0x00000004UL
#define SMFIF_DELRCPT	0x00000008UL
#define SMFIF_CHGHDRS	0x00000010UL
#define SMFIF_QUARANTINE 0x00000020UL
#define SMFIF_SETSYMLIST 0x00000100UL	/* we may name the macros we want */

/* Macro stages in SMFIF_SETSYMLIST lists. */
#define SMFIM_CONNECT	0
#define SMFIM_EOH	6	/* the last */

/* The largest packet taken: a body chunk is at most 65535 bytes, but a
 * header field comes whole (Postfix allows 100 KB). Bigger ends the
 * connection, and the MTA applies its default action. */
#define WIRE_MAX	(256 * 1024)

struct wire_packet {
	int			 cmd;
	const unsigned char	*data;
	size_t			 len;
};

/* Bytes read from the MTA: packets start at off, end at len. */
struct wire_in {
	unsigned char	*buf;
	size_t		 off, len, cap;
};

enum wire_status {
	WIRE_PACKET,		/* one packet taken */
	WIRE_MORE,		/* need more bytes */
	WIRE_BAD,		/* impossible length: end the connection */
};

/* Where to read into: at least the rest of the first packet fits (the
 * buffer grows up to WIRE_MAX plus the length field). NULL when out of
 * memory. */
unsigned char *wire_space(struct wire_in *, size_t *room);
void	wire_got(struct wire_in *, size_t n);
/* The next whole packet; its data stays valid until wire_space(). */
enum wire_status wire_next(struct wire_in *, struct wire_packet *);
void	wire_in_free(struct wire_in *);

/* Reading a packet's data; pos moves past what was read. */
bool	wire_u32(const struct wire_packet *, size_t *pos, uint32_t *v);
/* A NUL-terminated string inside the data, or NULL if none is. */
const char *wire_str(const struct wire_packet *, size_t *pos);

/* Bytes to send to the MTA, written out whole after each read. */
struct wire_out {
	unsigned char	*buf;
	size_t		 len, cap;
	bool		 failed;	/* out of memory: the connection ends */
};

/* A packet is begun, filled and ended: wire_end() writes its length. */
size_t	wire_begin(struct wire_out *, int cmd);
void	wire_add_u32(struct wire_out *, uint32_t);
void	wire_add_str(struct wire_out *, const char *);	/* with its NUL */
void	wire_end(struct wire_out *, size_t start);
/* A packet that is only a command byte. */
void	wire_reply(struct wire_out *, int cmd);
void	wire_out_free(struct wire_out *);

#endif /* WIRE_H */
