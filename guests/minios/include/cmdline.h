/*
 * cmdline.h - reading the domain's command line (cmdline.c): the one reader
 * of its words, for the start of day (root=, bench, evtping, ...) and for
 * the file systems (fscache=).
 */
#ifndef MINIOS_CMDLINE_H
#define MINIOS_CMDLINE_H

#include <stddef.h>

/* Is `word` one of the command line's space-separated words? */
int cmdline_has(const char *word);
/* The value of the first word `key`VALUE (key ends in '=') with a non-empty VALUE that fits in
 * cap bytes, copied into buf: 1, or 0 if there is none. */
int cmdline_value(const char *key, char *buf, size_t cap);

#endif
