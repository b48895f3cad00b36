/*
 * fuzz.h - what the libFuzzer targets of test/fuzz/ share.
 *
 * Each target is one fuzz_*.c with LLVMFuzzerTestOneInput (and maybe
 * LLVMFuzzerInitialize); check.c holds the checks of the promises
 * bounce.h makes about every report, so a broken promise is a crash
 * that libFuzzer keeps, not a quiet wrong answer.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "bounce.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with a message naming what broke (libFuzzer saves the input). */
_Noreturn void fuzz_fail(const char *what, const char *detail);

/* Every string of the report: non-NULL, valid UTF-8, no control
 * characters, at most BOUNCE_FIELD_MAX bytes; nrcpt within the limit. */
void	fuzz_check_report(const struct bounce_report *, const struct bounce_limits *);

/* The JSON of a report: one line that jansson reads back as an object. */
void	fuzz_check_json(const char *json);

/* A directory of our own under $TMPDIR for targets that need files;
 * made once, removed at exit. */
const char *fuzz_tmpdir(void);

/* Write len bytes to path (truncating); aborts on failure. */
void	fuzz_write_file(const char *path, const uint8_t *data, size_t len);

#endif /* FUZZ_H */
