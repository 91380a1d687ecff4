/*
 * loadfile.c - the dbench 4.0 loadfile parser (pure: no I/O, no OS).
 *
 * A loadfile line is a NetBench call as the Samba server saw it:
 *
 *     [TIME] OPERATION ARG... NT_STATUS_NAME
 *
 * e.g. `NTCreateX "\clients\client1\~dmtmp" 0x1 0x2 9937 NT_STATUS_OK`.
 * TIME (seconds, with a fraction) is optional; when present the client waits
 * until that moment of the pass.  Paths are quoted, with Windows backslashes;
 * numbers are decimal or 0x hexadecimal; the last word is the status the
 * server returned, which the executor expects again.  Each operation takes a
 * fixed list of arguments (the `args` strings below: p a path, n a number),
 * so a line with too few or too many words, a bad number or an unknown
 * operation is an error the caller reports as FILE:LINE: problem.
 *
 * dbench rewrites every "client1" in a line to the client's own name, so
 * that client N works in clients/clientN; so does this parser, and it turns
 * the path into one relative to -D DIR with '/' separators.
 */
#include "dbench.h"

struct op_syntax {
    const char *keyword; /* as in the loadfile */
    const char *table;   /* as in dbench's operation table */
    const char *args;
};

static const struct op_syntax syntax[OP_COUNT] = {
    [OP_NTCREATEX] = {"NTCreateX", "NTCreateX", "pnnn"},
    [OP_CLOSE] = {"Close", "Close", "n"},
    [OP_RENAME] = {"Rename", "Rename", "pp"},
    [OP_UNLINK] = {"Unlink", "Unlink", "pn"},
    [OP_DELTREE] = {"Deltree", "Deltree", "p"},
    [OP_RMDIR] = {"Rmdir", "Rmdir", "p"},
    [OP_MKDIR] = {"Mkdir", "Mkdir", "p"},
    [OP_QPATHINFO] = {"QUERY_PATH_INFORMATION", "Qpathinfo", "pn"},
    [OP_QFILEINFO] = {"QUERY_FILE_INFORMATION", "Qfileinfo", "nn"},
    [OP_QFSINFO] = {"QUERY_FS_INFORMATION", "Qfsinfo", "n"},
    [OP_SFILEINFO] = {"SET_FILE_INFORMATION", "Sfileinfo", "nn"},
    [OP_FIND] = {"FIND_FIRST", "Find", "pnnn"},
    [OP_WRITEX] = {"WriteX", "WriteX", "nnnn"},
    [OP_READX] = {"ReadX", "ReadX", "nnnn"},
    [OP_LOCKX] = {"LockX", "LockX", "nnn"},
    [OP_UNLOCKX] = {"UnlockX", "UnlockX", "nnn"},
    [OP_FLUSH] = {"Flush", "Flush", "n"},
    [OP_SLEEP] = {"Sleep", "Sleep", "n"},
};

const char *dbl_op_name(enum dbl_op op)
{
    return op < OP_COUNT ? syntax[op].table : "?";
}

/* The words of a line: pointers into a copy, quotes kept on paths. */
#define MAX_WORDS 12
#define LINE_MAX  512

struct words {
    char copy[LINE_MAX];
    char *w[MAX_WORDS];
    int n;
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split text into words; a quoted word may hold spaces.  -1 on an
 * unterminated quote or too many words (message in err). */
static int split_words(const char *text, struct words *ws, char *err, size_t errlen)
{
    if (strlen(text) >= LINE_MAX) {
        snprintf(err, errlen, "line longer than %d characters", LINE_MAX - 1);
        return -1;
    }
    memcpy(ws->copy, text, strlen(text) + 1);
    ws->n = 0;
    for (char *p = ws->copy; *p;) {
        while (is_space(*p))
            *p++ = 0;
        if (!*p)
            break;
        if (ws->n == MAX_WORDS) {
            snprintf(err, errlen, "more than %d words", MAX_WORDS);
            return -1;
        }
        ws->w[ws->n++] = p;
        if (*p == '"') {
            char *q = strchr(p + 1, '"');
            if (!q) {
                snprintf(err, errlen, "unterminated quote");
                return -1;
            }
            p = q + 1;
            if (*p && !is_space(*p)) {
                snprintf(err, errlen, "text after a closing quote");
                return -1;
            }
        } else {
            while (*p && !is_space(*p))
                p++;
        }
    }
    return 0;
}

/* A decimal or 0x-hexadecimal number; 0 on success. */
static int parse_number(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (!*s)
        return -1;
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            return -1;
        if (v > (UINT64_MAX - d) / base)
            return -1;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* A timestamp "SECONDS[.FRACTION]" in microseconds; 0 on success. */
static int parse_time(const char *s, uint64_t *us)
{
    uint64_t sec = 0, frac = 0, scale = 1000000;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++)
        sec = sec * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            if (scale > 1) {
                scale /= 10;
                frac += (*s - '0') * scale;
            }
    if (*s || sec > 1000000000)
        return -1;
    *us = sec * 1000000 + frac;
    return 0;
}

/* Copy a quoted loadfile path into out as a relative '/' path, with every
 * "client1" replaced by "client<client>".  0 on success. */
static int convert_path(const char *quoted, int client, char *out, char *err, size_t errlen)
{
    size_t n = strlen(quoted), o = 0;
    if (n < 2 || quoted[0] != '"' || quoted[n - 1] != '"') {
        snprintf(err, errlen, "expected a quoted path, found %s", quoted);
        return -1;
    }
    const char *s = quoted + 1, *end = quoted + n - 1;
    while (s < end && (*s == '\\' || *s == '/'))
        s++;
    char name[16];
    size_t namelen = (size_t)snprintf(name, sizeof(name), "client%d", client);
    while (s < end) {
        const char *piece = s;
        size_t len = 1;
        if ((size_t)(end - s) >= 7 && !strncmp(s, "client1", 7)) {
            piece = name;
            len = namelen;
            s += 7;
        } else {
            s++;
        }
        if (o + len >= DBL_PATH_MAX) {
            snprintf(err, errlen, "path longer than %d characters", DBL_PATH_MAX - 1);
            return -1;
        }
        for (size_t i = 0; i < len; i++)
            out[o++] = piece[i] == '\\' ? '/' : piece[i];
    }
    out[o] = 0;
    return 0;
}

static int find_op(const char *word)
{
    for (int op = 0; op < OP_COUNT; op++)
        if (!strcmp(word, syntax[op].keyword))
            return op;
    return -1;
}

/* Fill the paths and numbers of out from words w[0..n) per the op's args. */
static int parse_args(const char *args, char **w, int n, int client, struct dbl_line *out,
                      char *err, size_t errlen)
{
    if ((int)strlen(args) != n) {
        snprintf(err, errlen, "%s wants %d arguments before the status, found %d",
                 syntax[out->op].keyword, (int)strlen(args), n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (args[i] == 'p') {
            if (convert_path(w[i], client, out->path[out->npaths++], err, errlen))
                return -1;
        } else if (parse_number(w[i], &out->num[out->nnums++])) {
            snprintf(err, errlen, "%s: bad number '%s'", syntax[out->op].keyword, w[i]);
            return -1;
        }
    }
    return 0;
}

int dbl_parse_line(const char *text, int client, struct dbl_line *out, char *err, size_t errlen)
{
    struct words ws;
    if (split_words(text, &ws, err, errlen))
        return -1;
    if (ws.n == 0)
        return 0;
    memset(out, 0, sizeof(*out));
    char **w = ws.w;
    int n = ws.n;
    if (w[0][0] >= '0' && w[0][0] <= '9') {
        if (parse_time(w[0], &out->time_us)) {
            snprintf(err, errlen, "bad timestamp '%s'", w[0]);
            return -1;
        }
        out->has_time = 1;
        w++;
        n--;
    }
    int op = n > 0 ? find_op(w[0]) : -1;
    if (op < 0) {
        snprintf(err, errlen, "unknown operation '%s'", n > 0 ? w[0] : "");
        return -1;
    }
    out->op = (enum dbl_op)op;
    const char *status = w[n - 1];
    if (n < 2 || strncmp(status, "NT_STATUS_", 10) || strlen(status) >= DBL_STATUS_MAX) {
        snprintf(err, errlen, "%s: badly formed status '%s'", syntax[op].keyword,
                 n < 2 ? "" : status);
        return -1;
    }
    memcpy(out->status, status, strlen(status) + 1);
    out->status_ok = !strcmp(status, "NT_STATUS_OK");
    return parse_args(syntax[op].args, w + 1, n - 2, client, out, err, errlen) ? -1 : 1;
}
