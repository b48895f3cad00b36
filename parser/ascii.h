/*
 * ascii.h - character classes of the C locale, inline.
 *
 * The engine never sets a locale, so <ctype.h> answers these questions
 * for ASCII only anyway; but each of its calls goes through a table
 * looked up per call. The scanners that ask them for every byte of a
 * message use these instead, with the same answers.
 */
#ifndef ASCII_H
#define ASCII_H

#include <stdbool.h>

static inline bool
ascii_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline bool
ascii_isalpha(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}

static inline bool
ascii_isalnum(unsigned char c)
{
	return ascii_isdigit(c) || ascii_isalpha(c);
}

static inline bool
ascii_isxdigit(unsigned char c)
{
	return ascii_isdigit(c) || (unsigned char)((c | 0x20) - 'a') < 6;
}

static inline bool
ascii_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline unsigned char
ascii_tolower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

#endif /* ASCII_H */
