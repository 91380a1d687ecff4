/*
 * cmdline.c - the domain's command line as words: start_info.cmd_line (the
 * multiboot command line natively, the domain builder's under pvlab) split
 * at blanks.  A word is either a flag (`bench`, `evtping`) or KEY=VALUE
 * (`root=ram0`, `fscache=4096`); the first word with a key and a value that
 * fits wins.
 *
 * Tour 22/58 - after xenbus.c, before user.c.
 */
#include <os.h>
#include <cmdline.h>

/* The word starting at s (s is at a word's start): its length. */
static size_t word_len(const char *s)
{
    size_t w = 0;
    while (s[w] && s[w] != ' ')
        w++;
    return w;
}

/* The next word's start after the word of length w at s. */
static const char *next_word(const char *s, size_t w)
{
    s += w;
    while (*s == ' ')
        s++;
    return s;
}

int cmdline_has(const char *word)
{
    size_t n = strlen(word);
    for (const char *s = next_word(start_info.cmd_line, 0); *s; s = next_word(s, word_len(s)))
        if (word_len(s) == n && !strncmp(s, word, n))
            return 1;
    return 0;
}

int cmdline_value(const char *key, char *buf, size_t cap)
{
    size_t n = strlen(key);
    for (const char *s = next_word(start_info.cmd_line, 0); *s; s = next_word(s, word_len(s))) {
        size_t w = word_len(s);
        if (w <= n || w - n >= cap || strncmp(s, key, n))
            continue; /* not it, an empty value, or one too long for buf */
        memcpy(buf, s + n, w - n);
        buf[w - n] = 0;
        return 1;
    }
    return 0;
}
