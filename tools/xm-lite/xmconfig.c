/*
 * xmconfig.c - read an xm-style domain config file.
 *
 * Xen's xm executed config files as Python; pvlab has no Python in dom0, so
 * this is the small, strict subset people actually write: one `KEY = VALUE`
 * per line, where VALUE is an integer (decimal or 0x hex), a string in
 * "double" or 'single' quotes, or a list of strings `[ 'a', "b", ]` that
 * opens and closes on the same line.  Blank lines and `#` comments (also
 * after a value) are ignored, and so are blanks around tokens and a CR
 * before each line break.  Strings are taken literally: there are no escape
 * sequences, so a backslash is refused rather than read differently from
 * Python.  Decimal numbers may not start with 0, which Python 2 read as octal.
 *
 * The file comes from the boot archive, so nothing in it is trusted: it may
 * be at most 64 KiB, hold only printable ASCII and tabs, and have lines of at
 * most 512 characters; the text need not be NUL-terminated.  The parser
 * stops at the first problem and describes it in one line that names the
 * file and line, "domU.cfg:3: unknown key 'memry' (did you mean 'memory'?)",
 * or just the file for what is missing from it as a whole ("domU.cfg: no
 * 'kernel' given").  Every line is checked for stray bytes before it is
 * parsed, so anything quoted back in a message is printable.
 *
 * Keys, in the order of the table at the bottom:
 *   kernel       string, required: a path in the boot archive
 *   name         string, required: 1..31 letters, digits, '-', '_', '.'
 *   memory       number of MiB, 4..900 (default 32)
 *   vcpus        number, must be 1: pvlab runs one vCPU per domain
 *   extra        string: the guest's command line (default "")
 *   on_crash     "destroy" (default) or "preserve" (keep it for inspection)
 *   disk         list of at most 4 "TYPE:TARGET,VDEV,MODE" strings, MODE r or w
 *   on_poweroff, on_reboot
 *                accepted for compatibility with xm files, but only as
 *                "destroy": pvlab never restarts a domain by itself
 * A key may appear only once.
 */
#include <lib.h>
#include "xmconfig.h"

/* A piece of the config text, which need not be NUL-terminated. */
struct slice {
    const char *s;
    size_t len;
};

enum value_type { VALUE_NUMBER, VALUE_STRING, VALUE_LIST };

/* A parsed VALUE.  A list counts all its entries but keeps only the first few. */
struct value {
    enum value_type type;
    uint32_t number;
    struct slice str;
    unsigned int nr_items;
    struct slice item[XM_MAX_DISKS];
};

struct parser {
    const char *fname;
    unsigned int line; /* 1-based; 0 while checking the file as a whole */
    const char *p;     /* cursor in the current line ... */
    const char *end;   /* ... which ends here (before any CR LF) */
    char *err;
    size_t errlen;
    unsigned int first_line[16]; /* where each known key was given, 0 if not yet */
};

struct key {
    const char *name;
    int (*apply)(struct parser *p, const struct key *k, const struct value *v,
                 struct xm_config *cfg);
};

/* Formats "FNAME:LINE: " or "FNAME: " and the message into p->err; returns -1. */
static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct parser *p, const char *fmt, ...)
{
    if (!p->err || !p->errlen)
        return -1;
    int n;
    if (p->line)
        n = snprintf(p->err, p->errlen, "%s:%u: ", p->fname, p->line);
    else
        n = snprintf(p->err, p->errlen, "%s: ", p->fname);
    if (n >= 0 && (size_t)n < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - n, fmt, ap);
        va_end(ap);
    }
    for (char *c = p->err; *c; c++)
        if (*c == '\t')
            *c = ' '; /* a tab quoted from the line: the message stays printable */
    return -1;
}

/* ---------------------------------------------------------------- characters */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex_digit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(char c)
{
    return is_ident_start(c) || is_digit(c);
}

static int digit_value(char c)
{
    if (is_digit(c))
        return c - '0';
    return (c | 0x20) - 'a' + 10;
}

/* c in quotes for a message: 'x', but "'" for a single quote. */
static const char *show_char(char c, char buf[4])
{
    char q = c == '\'' ? '"' : '\'';
    buf[0] = q, buf[1] = c, buf[2] = q, buf[3] = 0;
    return buf;
}

static int slice_is(struct slice s, const char *str)
{
    return s.len == strlen(str) && memcmp(s.s, str, s.len) == 0;
}

/* Copies s into dst as a C string; the caller has checked that it fits. */
static void copy_slice(char *dst, struct slice s)
{
    memcpy(dst, s.s, s.len);
    dst[s.len] = 0;
}

/* ---------------------------------------------------------------- lexing one line */

static void skip_blanks(struct parser *p)
{
    while (p->p < p->end && is_blank(*p->p))
        p->p++;
}

/* The rest of the line is empty or a comment. */
static int at_line_end(const struct parser *p)
{
    return p->p == p->end || *p->p == '#';
}

/*
 * Finds the line starting at *pos, advances *pos past its line break and
 * points p at the line.  Refuses bytes that could not come from a text
 * editor (so that messages never quote them) and over-long lines.
 */
static int next_line(struct parser *p, const char **pos, const char *file_end)
{
    const char *s = *pos, *e = s;
    while (e < file_end && *e != '\n')
        e++;
    *pos = e < file_end ? e + 1 : e;
    if (e > s && e[-1] == '\r')
        e--;
    p->line++;
    for (const char *c = s; c < e; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch == 0)
            return fail(p, "NUL byte in column %u (is this a binary file?)",
                        (unsigned int)(c - s + 1));
        if ((ch < 0x20 || ch > 0x7e) && ch != '\t')
            return fail(p, "non-printable character 0x%02x in column %u", ch,
                        (unsigned int)(c - s + 1));
    }
    if (e - s > XM_MAX_LINE)
        return fail(p, "line is longer than %u characters", XM_MAX_LINE);
    p->p = s;
    p->end = e;
    return 0;
}

/* A quoted string, taken literally, ending with the same quote on this line. */
static int parse_string(struct parser *p, struct slice *out)
{
    char quote = *p->p++;
    out->s = p->p;
    for (; p->p < p->end && *p->p != quote; p->p++)
        if (*p->p == '\\')
            return fail(p, "backslash escapes are not supported in strings");
    if (p->p == p->end)
        return fail(p, "unterminated string");
    out->len = p->p - out->s;
    p->p++;
    return 0;
}

/* A decimal or 0x number that fits in 32 bits. */
static int parse_number(struct parser *p, uint32_t *out)
{
    const char *start = p->p;
    unsigned int base = 10;
    if (p->end - p->p >= 2 && p->p[0] == '0' && (p->p[1] == 'x' || p->p[1] == 'X')) {
        base = 16;
        p->p += 2;
        if (p->p == p->end || !is_hex_digit(*p->p))
            return fail(p, "expected hex digits after '%.2s'", start);
    }
    const char *digits = p->p;
    uint64_t v = 0;
    while (p->p < p->end && (base == 16 ? is_hex_digit(*p->p) : is_digit(*p->p))) {
        v = v * base + digit_value(*p->p++);
        if (v > 0xffffffffu) {
            while (p->p < p->end && (base == 16 ? is_hex_digit(*p->p) : is_digit(*p->p)))
                p->p++;
            return fail(p, "number '%.*s' is too large", (int)(p->p - start), start);
        }
    }
    if (base == 10 && p->p - digits > 1 && digits[0] == '0')
        return fail(p, "number '%.*s' has a leading zero (write it without, or use 0x for hex)",
                    (int)(p->p - start), start);
    *out = (uint32_t)v;
    return 0;
}

static int list_not_closed(struct parser *p)
{
    return fail(p, "list is not closed with ']' on this line (a list may not span lines)");
}

/* `[ 'a', "b" ]`, possibly empty, possibly with a comma after the last entry. */
static int parse_list(struct parser *p, struct value *v)
{
    char buf[4];
    p->p++;
    v->nr_items = 0;
    for (;;) {
        skip_blanks(p);
        if (at_line_end(p))
            return list_not_closed(p);
        if (*p->p == ']')
            break;
        if (*p->p != '"' && *p->p != '\'')
            return fail(p, "expected a quoted string or ']' in the list, found %s",
                        show_char(*p->p, buf));
        struct slice s;
        if (parse_string(p, &s))
            return -1;
        if (v->nr_items < XM_MAX_DISKS)
            v->item[v->nr_items] = s;
        v->nr_items++;
        skip_blanks(p);
        if (at_line_end(p))
            return list_not_closed(p);
        if (*p->p == ',')
            p->p++;
        else if (*p->p != ']')
            return fail(p, "expected ',' or ']' after a list entry, found %s",
                        show_char(*p->p, buf));
    }
    p->p++;
    return 0;
}

static int parse_value(struct parser *p, struct value *v)
{
    char buf[4];
    if (at_line_end(p))
        return fail(p, "missing value after '='");
    char c = *p->p;
    if (is_digit(c)) {
        v->type = VALUE_NUMBER;
        return parse_number(p, &v->number);
    }
    if (c == '"' || c == '\'') {
        v->type = VALUE_STRING;
        return parse_string(p, &v->str);
    }
    if (c == '[') {
        v->type = VALUE_LIST;
        return parse_list(p, v);
    }
    if (is_ident_start(c)) {
        const char *word = p->p;
        while (p->p < p->end && is_ident(*p->p))
            p->p++;
        return fail(p, "unquoted text '%.*s' (strings must be in quotes)", (int)(p->p - word),
                    word);
    }
    return fail(p, "expected a number, a quoted string or a [list] after '=', found %s",
                show_char(c, buf));
}

/* ---------------------------------------------------------------- keys */

/*
 * Optimal string alignment distance (Levenshtein plus swapping two adjacent
 * letters) between a and b, or 3 if it is more than 2: only small distances
 * make useful suggestions.
 */
static unsigned int edit_distance(struct slice a, const char *b)
{
    enum { MAXLEN = 16 };
    size_t blen = strlen(b);
    if (a.len >= MAXLEN || blen >= MAXLEN || a.len > blen + 2 || blen > a.len + 2)
        return 3;
    unsigned int d[MAXLEN][MAXLEN];
    for (size_t i = 0; i <= a.len; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= blen; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= a.len; i++) {
        for (size_t j = 1; j <= blen; j++) {
            unsigned int cost = a.s[i - 1] != b[j - 1];
            unsigned int best = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);
            best = MIN(best, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a.s[i - 1] == b[j - 2] && a.s[i - 2] == b[j - 1])
                best = MIN(best, d[i - 2][j - 2] + 1);
            d[i][j] = best;
        }
    }
    return MIN(d[a.len][blen], 3u);
}

static int want_string(struct parser *p, const struct key *k, const struct value *v)
{
    return v->type == VALUE_STRING ? 0 : fail(p, "%s must be a string", k->name);
}

static int want_number(struct parser *p, const struct key *k, const struct value *v)
{
    return v->type == VALUE_NUMBER ? 0 : fail(p, "%s must be a number", k->name);
}

/* A string value for a char[size] field: not empty, and short enough for its NUL. */
static int want_text(struct parser *p, const struct key *k, const struct value *v, size_t size)
{
    if (want_string(p, k, v))
        return -1;
    if (v->str.len == 0)
        return fail(p, "%s must not be empty", k->name);
    if (v->str.len >= size)
        return fail(p, "%s is too long (%u characters, at most %u)", k->name,
                    (unsigned int)v->str.len, (unsigned int)size - 1);
    return 0;
}

static int set_kernel(struct parser *p, const struct key *k, const struct value *v,
                      struct xm_config *cfg)
{
    if (want_text(p, k, v, sizeof(cfg->kernel)))
        return -1;
    copy_slice(cfg->kernel, v->str);
    return 0;
}

static int set_name(struct parser *p, const struct key *k, const struct value *v,
                    struct xm_config *cfg)
{
    char buf[4];
    if (want_text(p, k, v, sizeof(cfg->name)))
        return -1;
    for (size_t i = 0; i < v->str.len; i++) {
        char c = v->str.s[i];
        if (!is_ident(c) && c != '-' && c != '.')
            return fail(p, "name '%.*s' contains %s: use letters, digits, '-', '_' and '.'",
                        (int)v->str.len, v->str.s, show_char(c, buf));
    }
    copy_slice(cfg->name, v->str);
    return 0;
}

static int set_memory(struct parser *p, const struct key *k, const struct value *v,
                      struct xm_config *cfg)
{
    if (want_number(p, k, v))
        return -1;
    if (v->number < XM_MIN_MEMORY_MB || v->number > XM_MAX_MEMORY_MB)
        return fail(p, "memory = %u: must be between %u and %u MiB", v->number, XM_MIN_MEMORY_MB,
                    XM_MAX_MEMORY_MB);
    cfg->memory_mb = v->number;
    return 0;
}

static int set_vcpus(struct parser *p, const struct key *k, const struct value *v,
                     struct xm_config *cfg)
{
    if (want_number(p, k, v))
        return -1;
    if (v->number != 1)
        return fail(p, "vcpus = %u: pvlab supports one vCPU per domain", v->number);
    cfg->vcpus = 1;
    return 0;
}

static int set_extra(struct parser *p, const struct key *k, const struct value *v,
                     struct xm_config *cfg)
{
    if (want_string(p, k, v))
        return -1;
    if (v->str.len >= sizeof(cfg->extra))
        return fail(p, "extra is too long (%u characters, at most %u)", (unsigned int)v->str.len,
                    (unsigned int)sizeof(cfg->extra) - 1);
    copy_slice(cfg->extra, v->str);
    return 0;
}

static int set_on_crash(struct parser *p, const struct key *k, const struct value *v,
                        struct xm_config *cfg)
{
    if (want_string(p, k, v))
        return -1;
    if (slice_is(v->str, "destroy"))
        cfg->on_crash = XM_ON_CRASH_DESTROY;
    else if (slice_is(v->str, "preserve"))
        cfg->on_crash = XM_ON_CRASH_PRESERVE;
    else
        return fail(p, "on_crash = '%.*s': must be 'destroy' or 'preserve'", (int)v->str.len,
                    v->str.s);
    return 0;
}

/* on_poweroff and on_reboot: a domain that stops is always destroyed. */
static int set_destroy_only(struct parser *p, const struct key *k, const struct value *v,
                            struct xm_config *cfg)
{
    (void)cfg;
    if (want_string(p, k, v))
        return -1;
    if (!slice_is(v->str, "destroy"))
        return fail(p, "%s = '%.*s': pvlab only supports 'destroy'", k->name, (int)v->str.len,
                    v->str.s);
    return 0;
}

/* Loosely checks "TYPE:TARGET,VDEV,MODE"; the block backend checks the rest. */
static int check_disk(struct parser *p, unsigned int index, struct slice d)
{
    size_t comma[3], nr_commas = 0, colon = d.len;
    if (d.len >= XM_DISK_LEN)
        return fail(p, "disk entry %u is too long (%u characters, at most %u)", index,
                    (unsigned int)d.len, XM_DISK_LEN - 1);
    for (size_t i = 0; i < d.len; i++) {
        if (d.s[i] == ',' && nr_commas < 3)
            comma[nr_commas++] = i;
        else if (d.s[i] == ':' && colon == d.len && nr_commas == 0)
            colon = i;
    }
    if (nr_commas != 2 || colon == 0 || colon == d.len || colon + 1 == comma[0] ||
        comma[0] + 1 == comma[1])
        return fail(p, "disk entry '%.*s' is not 'TYPE:TARGET,VDEV,MODE'", (int)d.len, d.s);
    struct slice mode = {d.s + comma[1] + 1, d.len - comma[1] - 1};
    if (!slice_is(mode, "r") && !slice_is(mode, "w"))
        return fail(p, "disk entry '%.*s': mode must be 'r' or 'w'", (int)d.len, d.s);
    return 0;
}

static int set_disk(struct parser *p, const struct key *k, const struct value *v,
                    struct xm_config *cfg)
{
    if (v->type == VALUE_STRING)
        return fail(p, "disk must be a list, e.g. disk = [ '%.*s' ]", (int)v->str.len, v->str.s);
    if (v->type != VALUE_LIST)
        return fail(p, "%s must be a list of strings", k->name);
    if (v->nr_items > XM_MAX_DISKS)
        return fail(p, "disk has %u entries, at most %u", v->nr_items, XM_MAX_DISKS);
    for (unsigned int i = 0; i < v->nr_items; i++) {
        if (check_disk(p, i + 1, v->item[i]))
            return -1;
        copy_slice(cfg->disk[i], v->item[i]);
    }
    cfg->nr_disks = v->nr_items;
    return 0;
}

enum { KEY_KERNEL, KEY_NAME };

static const struct key keys[] = {
    [KEY_KERNEL] = {"kernel", set_kernel},
    [KEY_NAME] = {"name", set_name},
    {"memory", set_memory},
    {"vcpus", set_vcpus},
    {"extra", set_extra},
    {"on_crash", set_on_crash},
    {"disk", set_disk},
    {"on_poweroff", set_destroy_only},
    {"on_reboot", set_destroy_only},
};

static int unknown_key(struct parser *p, struct slice name)
{
    const char *best = NULL;
    unsigned int best_distance = 3;
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
        unsigned int d = edit_distance(name, keys[i].name);
        if (d < best_distance) {
            best = keys[i].name;
            best_distance = d;
        }
    }
    if (best)
        return fail(p, "unknown key '%.*s' (did you mean '%s'?)", (int)name.len, name.s, best);
    return fail(p, "unknown key '%.*s'", (int)name.len, name.s);
}

/* ---------------------------------------------------------------- lines and files */

/* One line: blank, a comment, or KEY = VALUE [# comment]. */
static int parse_line(struct parser *p, struct xm_config *cfg)
{
    char buf[4];
    skip_blanks(p);
    if (at_line_end(p))
        return 0;
    if (!is_ident_start(*p->p))
        return fail(p, "expected a key name, found %s", show_char(*p->p, buf));
    struct slice name = {p->p, 0};
    while (p->p < p->end && is_ident(*p->p))
        p->p++;
    name.len = p->p - name.s;
    skip_blanks(p);
    if (p->p == p->end || *p->p != '=')
        return fail(p, "expected '=' after '%.*s'", (int)name.len, name.s);
    p->p++;
    skip_blanks(p);
    struct value v;
    if (parse_value(p, &v))
        return -1;
    skip_blanks(p);
    if (!at_line_end(p)) {
        const char *e = p->end;
        while (is_blank(e[-1]))
            e--;
        return fail(p, "unexpected '%.*s' after the value", (int)MIN(e - p->p, 20), p->p);
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!slice_is(name, keys[i].name))
            continue;
        if (p->first_line[i])
            return fail(p, "'%s' given twice (first on line %u)", keys[i].name, p->first_line[i]);
        p->first_line[i] = p->line;
        return keys[i].apply(p, &keys[i], &v, cfg);
    }
    return unknown_key(p, name);
}

int xm_config_parse(const char *fname, const char *text, size_t len, struct xm_config *cfg,
                    char *err, size_t errlen)
{
    struct parser p = {.fname = fname ? fname : "config", .err = err, .errlen = errlen};
    _Static_assert(ARRAY_SIZE(keys) <= ARRAY_SIZE(p.first_line), "first_line too small");
    if (err && errlen)
        err[0] = 0;
    memset(cfg, 0, sizeof(*cfg));
    cfg->memory_mb = XM_DEFAULT_MEM_MB;
    cfg->vcpus = 1;
    cfg->on_crash = XM_ON_CRASH_DESTROY;

    if (len > XM_MAX_FILE_SIZE)
        return fail(&p, "file is larger than 64 KiB (%lu bytes)", (unsigned long)len);
    const char *pos = text, *file_end = text + len;
    while (pos < file_end)
        if (next_line(&p, &pos, file_end) || parse_line(&p, cfg))
            return -1;

    p.line = 0;
    if (!p.first_line[KEY_KERNEL])
        return fail(&p, "no 'kernel' given");
    if (!p.first_line[KEY_NAME])
        return fail(&p, "no 'name' given");
    return 0;
}
