/*
 * rules.h - the compiled rule set, shared by the loader (rules.c,
 * rules_parse.c) and the classifier (classify.c). Internal to libbounce.
 *
 * A rule is a list of conditions (each "any of" its values; all must
 * hold) and an outcome. Text conditions refer to pattern ids in one
 * Vectorscan database; the rules are kept sorted by rank, highest first,
 * so classification takes the first rule that holds. The format is
 * described in rules/README.md.
 */
#ifndef RULES_H
#define RULES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "engine.h"

#define RULES_MAX_LINE		4096
#define RULES_MAX_FILE		(1024 * 1024)
#define RULES_MAX_FILES		256
#define RULES_MAX_RULES		4096
#define RULES_MAX_PATTERNS	8192
#define RULES_MAX_VALUES	64	/* values on one line */
#define RULES_MAX_ALTS		256	/* patterns in one condition, continuations included */
#define RULES_MAX_CONDS		32	/* condition lines in one rule */
#define RULES_MAX_NAME		64
#define RULES_KINDS		(BOUNCE_KIND_AUTOREPLY + 1)	/* enum bounce_kind */
#define RULES_ACTION_WORDS	8	/* distinct words of action conditions */
#define RULES_STATUS_CLASSES	4	/* none, 2.x.x, 4.x.x, 5.x.x */

#define RULES_RANK_DERIVED_MAX	99
#define RULES_PRIORITY_MAX	999

enum cond_key {
	COND_TEXT,		/* ids: any matched in the diagnostic */
	COND_NOT_TEXT,		/* ids: none matched in the diagnostic */
	COND_COMPONENT,		/* ids: any matched in the component */
	COND_STATUS,		/* words: status patterns */
	COND_REPLY,		/* words: reply patterns */
	COND_COMMAND,		/* words, case-insensitive */
	COND_ACTION,
	COND_KIND,
	COND_VENDOR,		/* globs */
	COND_REMOTE,		/* globs on remote or reporting MTA */
	COND_DIAGTYPE,		/* globs on the diagnostic type */
};

/* Pattern ids as bits of one 64-bit word of a match set. */
struct id_mask {
	unsigned	  word;
	uint64_t	  bits;
};

struct rule_cond {
	enum cond_key	  key;
	unsigned	  n;
	const char *const *word;	/* words and globs, "none" for empty */
	const unsigned	 *id;		/* pattern ids */
	/* The ids again, grouped by word of the match set (rules.c), so
	 * that "any of them matched" is a few ANDs. */
	const struct id_mask *mask;
	unsigned	  nmask;
	/* A status condition's words, compiled (NULL: use the words). */
	const struct status_pattern *status;
};

/* Which outcome fields a rule sets. */
#define OUT_REASON	0x01
#define OUT_CATEGORY	0x02
#define OUT_OWNER	0x04
#define OUT_SUMMARY	0x08
#define OUT_FIX		0x10
#define OUT_HARD	0x20
#define OUT_REQUIRED	(OUT_REASON | OUT_CATEGORY | OUT_OWNER | OUT_SUMMARY | OUT_FIX)

struct rule {
	const char	*name;
	const char	*file;
	unsigned	 line;
	unsigned	 order;		/* load order, breaks rank ties */
	int		 rank;

	struct rule_cond *cond;
	unsigned	 ncond;
	/* Its text condition, if it has one (rules.c): most rules fail
	 * there, so it is tested before anything else. */
	const struct rule_cond *text;

	unsigned	 sets;		/* OUT_* */
	bool		 cont;		/* continue: later rules fill the rest */
	bool		 hard;
	const char	*reason;	/* static vocabulary strings */
	const char	*category;
	const char	*owner;
	const char	*summary;	/* in the rule set's arena */
	const char	*fix;
};

/* A pattern that is one bracket expression of plain bytes ("[^ ]"): it
 * matches where a byte of the set occurs, which a loop over the text
 * answers without Vectorscan (rules.c, classify.c). */
struct byte_class {
	unsigned	  id;		/* the pattern's id */
	uint64_t	  in[4];	/* the bytes it matches, one bit each */
};
#define RULES_MAX_BYTE_CLASSES	16	/* more are compiled as usual */

struct scratch_node {
	hs_scratch_t		*scratch;
	struct scratch_node	*next;
};

struct bounce_rules {
	struct arena	*arena;
	struct rule	*rule;		/* sorted: rank desc, then load order */
	size_t		 nrule;

	hs_database_t	*db;		/* NULL when no pattern needs it */
	unsigned	 npat;
	struct byte_class byte_class[RULES_MAX_BYTE_CLASSES];	/* not in db */
	unsigned	 nbyte_class;

	/* The rules that may hold for a recipient (rules.c, classify.c):
	 * those without a text condition (bits by rule index), and the
	 * rules whose text condition names pattern k, matched:
	 * pattern_rule[pattern_first[k] .. pattern_first[k + 1]). */
	uint64_t	*untexted;
	unsigned	*pattern_first;	/* npat + 1 entries */
	unsigned	*pattern_rule;
	bool		 has_component;	/* some rule looks at the component */
	/* The rules whose kind conditions accept a report of kind k (all
	 * rules without one), and the rules with a component condition:
	 * classify.c drops from the candidates those that cannot hold. */
	uint64_t	*by_kind[RULES_KINDS];
	uint64_t	*component_rules;
	/* Reports of kind k whose recipients a rule decides before any
	 * rule reading a scan comes up (a feedback report, an auto-reply):
	 * their texts are not scanned. */
	bool		 unscanned_kind[RULES_KINDS];
	/* The same by the recipient's action: the words of all action
	 * conditions, the rules that can hold for each, for an empty
	 * action and for any other (only those without an action
	 * condition). No filter (NULL) if there are too many words. */
	const char	*action_word[RULES_ACTION_WORDS];
	unsigned	 naction_word;
	uint64_t	*by_action[RULES_ACTION_WORDS + 2];
	/* And by the recipient's status: none, or of class 2, 4 or 5
	 * (other statuses are not filtered). */
	uint64_t	*by_status[RULES_STATUS_CLASSES];

	/* Scratch space for scans: one per concurrent caller, cloned from
	 * proto on demand and kept in a pool for the next caller. */
	hs_scratch_t	*proto;
	pthread_mutex_t	 pool_lock;
	struct scratch_node *pool;
};

/* Vocabularies (rules.c). Return the static spelling, NULL if unknown. */
const char *rules_reason_word(const char *);
const char *rules_category_word(const char *);
const char *rules_owner_word(const char *);
/* Is a reason hard unless a rule says otherwise? */
bool	rules_reason_hard(const char *reason);

/* Status and reply patterns (rules_match.c). */
bool	rules_status_pattern_valid(const char *);
bool	rules_status_match(const char *pattern, const char *status);
/* The same match with the status split once for many patterns. */
struct status_parts {
	int		n;		/* parts; 0: no status; -1: not a code */
	struct span	part[3];
	int		key[3];		/* STATUS_KEY() of a part of one to three
					 * digits, -2 for any other part */
};
void	rules_status_split(const char *status, struct status_parts *);
bool	rules_status_match_parts(const char *pattern, const struct status_parts *);
/* A status pattern compiled once (rules.c): parts as STATUS_KEY()s or
 * STATUS_ANY, so that a recipient's status is tried against all the
 * patterns of a condition by comparing numbers. */
#define STATUS_KEY(len, value)	((int)(len) * 1000 + (value))	/* "01" != "1" */
#define STATUS_ANY		(-1)
struct status_pattern {
	int		n;		/* parts; 0: "none" */
	bool		rest;		/* the last part is a "*" for any rest */
	int		part[3];
};
bool	rules_status_compile(const char *pattern, struct status_pattern *);
bool	rules_status_match_any(const struct status_pattern *, unsigned n,
			       const struct status_parts *);
int	rules_status_specificity(const char *pattern);
bool	rules_reply_pattern_valid(const char *);
bool	rules_reply_match(const char *pattern, const char *reply);
bool	rules_word_any(const struct rule_cond *, const char *);

/* Parse every *.rules file of dir into rs (rules_parse.c): fills rs->rule
 * (unsorted) and the pattern table handed back in *exprs / *where. */
struct rules_pattern {
	const char	*expr;
	const char	*file;
	unsigned	 line;
};
bool	rules_parse_dir(struct bounce_rules *rs, const char *dir,
			struct rules_pattern **pats, unsigned *npat,
			char *err, size_t errlen);

/* The compiled database of exactly these patterns (with these ids)
 * from the cache, or false; and store one (rules_cache.c). Both fail
 * silently. */
bool	rules_cache_load(const char *const *expr, const unsigned *flags,
			 const unsigned *ids, unsigned n, hs_database_t **db);
void	rules_cache_store(const char *const *expr, const unsigned *flags,
			  const unsigned *ids, unsigned n, const hs_database_t *db);
/* Vectorscan's allocators (rules_cache.c); rules_cache_load() calls it,
 * and it must come before Vectorscan allocates anything. */
void	rules_hs_init(void);

#endif /* RULES_H */
