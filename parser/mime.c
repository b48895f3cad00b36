/*
 * mime.c - the message as the engine reads it, built with GMime.
 *
 * GMime does the MIME structure, the transfer decoding (base64,
 * quoted-printable), RFC 2047 words in headers and charset conversion.
 * libmagic guesses the charset of parts that name none (or a wrong one).
 * What comes out is a flat list of leaf parts, each decoded to UTF-8 with
 * LF line ends, and two spans the vendor modules read most: the
 * notification text and the returned message.
 */
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>
#include <magic.h>

#include "engine.h"
#include "html.h"

static pthread_once_t	 gmime_once = PTHREAD_ONCE_INIT;
static GMimeParserOptions *parser_options;
static pthread_mutex_t	 magic_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t		 magic_cookie;
static bool		 magic_tried;

static void
gmime_setup(void)
{
	/* Raw 8-bit header text is most often UTF-8, then Japanese, then
	 * Western European; latin-1 always converts, so it comes last. */
	static const char *fallback[] = { "UTF-8", "ISO-2022-JP", "Shift_JIS",
	    "windows-1252", NULL };

	g_mime_init();
	parser_options = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(parser_options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(parser_options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(parser_options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(parser_options, fallback);
}

/* libmagic's guess at the charset of 8-bit text that names none. */
static const char *
sniff_charset(const char *p, size_t len, char *buf, size_t buflen)
{
	const char *enc = NULL;

	/* ISO-2022-JP is 7-bit and announces itself with escapes. */
	if (memmem(p, len, "\x1b$B", 3) != NULL || memmem(p, len, "\x1b$@", 3) != NULL)
		return "ISO-2022-JP";
	pthread_mutex_lock(&magic_lock);
	if (!magic_tried) {
		magic_tried = true;
		magic_cookie = magic_open(MAGIC_MIME_ENCODING | MAGIC_NO_CHECK_COMPRESS |
		    MAGIC_NO_CHECK_TAR | MAGIC_NO_CHECK_ELF);
		if (magic_cookie != NULL && magic_load(magic_cookie, NULL) != 0) {
			magic_close(magic_cookie);
			magic_cookie = NULL;
		}
	}
	if (magic_cookie != NULL)
		enc = magic_buffer(magic_cookie, p, len < 65536 ? len : 65536);
	if (enc != NULL && strcasecmp(enc, "binary") != 0 &&
	    strcasecmp(enc, "unknown-8bit") != 0 && strcasecmp(enc, "ebcdic") != 0) {
		g_strlcpy(buf, enc, buflen);
		enc = buf;
	} else
		enc = NULL;
	pthread_mutex_unlock(&magic_lock);
	return enc != NULL ? enc : "windows-1252";
}

static bool
charset_is_utf8_compatible(const char *cs)
{
	return cs == NULL || strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	    strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

/* Convert bytes in charset cs to UTF-8; NULL if iconv cannot. */
static GByteArray *
convert_charset(const char *cs, const guint8 *p, size_t len)
{
	GMimeStream *out, *filtered;
	GMimeFilter *f;
	GByteArray *arr;

	if ((f = g_mime_filter_charset_new(cs, "UTF-8")) == NULL)
		return NULL;
	arr = g_byte_array_new();
	out = g_mime_stream_mem_new_with_byte_array(arr);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(out), FALSE);
	filtered = g_mime_stream_filter_new(out);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), f);
	g_object_unref(f);
	g_mime_stream_write(filtered, (const char *)p, len);
	g_mime_stream_flush(filtered);
	g_object_unref(filtered);
	g_object_unref(out);
	return arr;
}

/* Decoded, UTF-8 text of a leaf part, in the arena. */
static struct span
leaf_text(struct msgview *mv, GMimePart *part, const char *charset, size_t cap)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *raw, *conv = NULL;
	struct span text;
	const char *cs = charset;
	char sniffed[64];

	if (content == NULL)
		return SPAN_EMPTY;
	raw = g_byte_array_new();
	mem = g_mime_stream_mem_new_with_byte_array(raw);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_data_wrapper_write_to_stream(content, mem);
	g_object_unref(mem);
	if (raw->len > cap)
		g_byte_array_set_size(raw, (guint)cap);
	if (raw->len == 0) {
		g_byte_array_free(raw, TRUE);
		return SPAN_EMPTY;
	}

	/* Trust a declared charset that converts; else sniff. Text that is
	 * valid UTF-8 stays as it is whatever it claims. */
	if (!utf8_valid((const char *)raw->data, raw->len)) {
		if (charset_is_utf8_compatible(cs))
			cs = sniff_charset((const char *)raw->data, raw->len, sniffed, sizeof(sniffed));
		conv = convert_charset(cs, raw->data, raw->len);
		if (conv == NULL && cs == charset) {
			cs = sniff_charset((const char *)raw->data, raw->len, sniffed, sizeof(sniffed));
			conv = convert_charset(cs, raw->data, raw->len);
		}
	} else if (cs != NULL && !charset_is_utf8_compatible(cs) &&
	    (memchr(raw->data, 0x1b, raw->len) != NULL || strncasecmp(cs, "utf-", 4) == 0)) {
		/* 7-bit but stateful (ISO-2022-*) or UTF-16/7. */
		conv = convert_charset(cs, raw->data, raw->len);
	}
	if (conv != NULL)
		text = text_clean_utf8(mv->arena, span_make((const char *)conv->data, conv->len));
	else
		text = text_clean_utf8(mv->arena, span_make((const char *)raw->data, raw->len));
	if (conv != NULL)
		g_byte_array_free(conv, TRUE);
	g_byte_array_free(raw, TRUE);
	return text;
}

struct walk {
	struct msgview	*mv;
	size_t		 cap;		/* leaves allocated */
	unsigned	 parts;
	size_t		 budget;	/* decoded bytes still allowed */
};

static bool
add_leaf(struct walk *w, const char *type, struct span text, unsigned depth,
	 bool in_returned, bool attachment)
{
	struct msgview *mv = w->mv;
	struct mime_leaf *l;

	if (mv->nleaf == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		struct mime_leaf *n = arena_alloc(mv->arena, cap * sizeof(*n));

		if (n == NULL)
			return false;
		if (mv->nleaf)
			memcpy(n, mv->leaf, mv->nleaf * sizeof(*n));
		mv->leaf = n;
		w->cap = cap;
	}
	l = &mv->leaf[mv->nleaf++];
	l->type = type;
	l->text = text;
	l->depth = depth;
	l->in_returned = in_returned;
	l->is_attachment = attachment;
	return true;
}

static const char *
content_type_of(struct arena *a, GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *t, *s;
	char buf[256];

	if (ct == NULL)
		return "text/plain";
	t = g_mime_content_type_get_media_type(ct);
	s = g_mime_content_type_get_media_subtype(ct);
	g_snprintf(buf, sizeof(buf), "%s/%s", t ? t : "text", s ? s : "plain");
	return text_lower(a, span_make(buf, strlen(buf)));
}

/* The header block of an embedded message, as text. */
static struct span
message_headers_text(struct msgview *mv, GMimeMessage *m)
{
	char *h = g_mime_object_get_headers(GMIME_OBJECT(m), NULL);
	struct span s = SPAN_EMPTY;

	if (h != NULL) {
		s = text_clean_utf8(mv->arena, span_make(h, strlen(h)));
		g_free(h);
	}
	return s;
}

static void
add_orphan_text(struct walk *w, const char *text, unsigned depth, bool in_returned)
{
	size_t len;

	if (text == NULL || (len = strlen(text)) == 0)
		return;
	if (len > w->budget)
		len = w->budget;
	w->budget -= len;
	add_leaf(w, "text/plain", text_clean_utf8(w->mv->arena, span_make(text, len)),
	    depth + 1, in_returned, false);
}

static void
walk_object(struct walk *w, GMimeObject *o, unsigned depth, bool in_returned)
{
	struct msgview *mv = w->mv;
	const char *type;

	if (o == NULL)
		return;
	if (depth > mv->limits->max_depth) {
		report_truncate(mv->report, "mime depth");
		return;
	}
	if (++w->parts > mv->limits->max_parts) {
		report_truncate(mv->report, "mime parts");
		return;
	}
	type = content_type_of(mv->arena, o);

	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int i, n = g_mime_multipart_get_count(mp);

		for (i = 0; i < n && w->parts <= mv->limits->max_parts; i++)
			walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1, in_returned);
		/* No part at all: the boundary in the header is not the one the
		 * body uses (it happens) and GMime kept everything as prologue.
		 * Read that text rather than nothing. */
		if (n == 0)
			add_orphan_text(w, g_mime_multipart_get_prologue(mp), depth, in_returned);
		return;
	}
	if (GMIME_IS_MESSAGE_PART(o)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));

		if (m == NULL)
			return;
		if (!in_returned && mv->returned.len == 0) {
			mv->returned = message_headers_text(mv, m);
			mv->returned_is_headers = true;
		}
		walk_object(w, g_mime_message_get_mime_part(m), depth + 1, true);
		return;
	}
	if (GMIME_IS_PART(o)) {
		GMimeContentType *ct = g_mime_object_get_content_type(o);
		const char *charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
		const char *disp = g_mime_object_get_disposition(o);
		struct span text;

		/* Binary attachments say nothing we read. */
		if (strncmp(type, "text/", 5) != 0 && strncmp(type, "message/", 8) != 0 &&
		    strcmp(type, "application/octet-stream") != 0)
			return;
		if (w->budget == 0) {
			report_truncate(mv->report, "scan bytes");
			return;
		}
		text = leaf_text(mv, GMIME_PART(o), charset, w->budget);
		w->budget -= text.len < w->budget ? text.len : w->budget;
		if (strcmp(type, "text/html") == 0)
			text = html_to_text(mv->arena, text);
		add_leaf(w, type, text, depth, in_returned,
		    disp != NULL && strcasecmp(disp, "attachment") == 0);
	}
}

/* Pick the notification text and, for reports that quote the returned
 * message as text/rfc822-headers, the returned headers. */
static void
choose_spans(struct msgview *mv)
{
	size_t i;
	const struct mime_leaf *html = NULL;

	for (i = 0; i < mv->nleaf; i++) {
		const struct mime_leaf *l = &mv->leaf[i];

		if (l->in_returned)
			continue;
		if (mv->body.len == 0 && strcmp(l->type, "text/plain") == 0 && l->text.len > 0)
			mv->body = l->text;
		if (html == NULL && strcmp(l->type, "text/html") == 0)
			html = l;
		if (mv->returned.len == 0 &&
		    (strcmp(l->type, "text/rfc822-headers") == 0 ||
		     strcmp(l->type, "message/rfc822-headers") == 0 ||
		     strcmp(l->type, "text/rfc822-header") == 0)) {
			mv->returned = l->text;
			mv->returned_is_headers = true;
		}
	}
	if (mv->body.len == 0 && html != NULL)
		mv->body = html->text;
}

bool
mime_view_build(struct msgview *mv, const char *msg, size_t len)
{
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;
	GByteArray *arr;
	GMimeContentType *ct;
	struct walk w = { .mv = mv };

	pthread_once(&gmime_once, gmime_setup);
	mv->body = mv->returned = SPAN_EMPTY;
	mv->content_type = mv->report_type = "";

	/* GMime reads from our buffer in place: a byte array that borrows
	 * the bytes and a stream that does not own the array. */
	arr = g_byte_array_new_take((guint8 *)msg, len);
	stream = g_mime_stream_mem_new_with_byte_array(arr);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_message(parser, parser_options);
	g_object_unref(parser);
	g_object_unref(stream);
	/* Parts keep substreams of our stream, so the borrowed array must
	 * outlive the message: mime_view_release() frees it. */
	mv->gmime_bytes = arr;
	if (m == NULL)
		return true;	/* not a message: nothing to read */
	mv->gmime_message = m;

	ct = g_mime_object_get_content_type(GMIME_OBJECT(m));
	if (g_mime_message_get_mime_part(m) != NULL) {
		const char *rt;

		mv->content_type = content_type_of(mv->arena, g_mime_message_get_mime_part(m));
		ct = g_mime_object_get_content_type(g_mime_message_get_mime_part(m));
		rt = ct ? g_mime_content_type_get_parameter(ct, "report-type") : NULL;
		if (rt != NULL)
			mv->report_type = text_lower(mv->arena, span_make(rt, strlen(rt)));
	}
	w.budget = mv->limits->max_scan_bytes;
	walk_object(&w, g_mime_message_get_mime_part(m), 0, false);
	choose_spans(mv);
	return true;
}

void
mime_view_release(struct msgview *mv)
{
	if (mv->gmime_message != NULL)
		g_object_unref(mv->gmime_message);
	mv->gmime_message = NULL;
	if (mv->gmime_bytes != NULL)
		g_byte_array_free(mv->gmime_bytes, FALSE);	/* not the bytes: they are the caller's */
	mv->gmime_bytes = NULL;
}

struct span
mv_header_nth(const struct msgview *mv, const char *name, int n)
{
	GMimeHeaderList *hl;
	int i, count;

	if (mv->gmime_message == NULL)
		return SPAN_EMPTY;
	hl = g_mime_object_get_header_list(GMIME_OBJECT(mv->gmime_message));
	count = g_mime_header_list_get_count(hl);
	for (i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *v;

		if (strcasecmp(g_mime_header_get_name(h), name) != 0 || n-- > 0)
			continue;
		v = g_mime_header_get_value(h);
		return v != NULL ? span_make(v, strlen(v)) : SPAN_EMPTY;
	}
	return SPAN_EMPTY;
}

struct span
mv_header(const struct msgview *mv, const char *name)
{
	return mv_header_nth(mv, name, 0);
}

struct span
mime_decode_header(struct arena *a, struct span raw)
{
	char *tmp, *dec;
	struct span out;

	pthread_once(&gmime_once, gmime_setup);
	if (raw.len == 0 || (tmp = g_strndup(raw.p, raw.len)) == NULL)
		return SPAN_EMPTY;
	dec = g_mime_utils_header_decode_text(parser_options, tmp);
	g_free(tmp);
	if (dec == NULL)
		return SPAN_EMPTY;
	out = text_clean_utf8(a, span_make(dec, strlen(dec)));
	g_free(dec);
	return out;
}
