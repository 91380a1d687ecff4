/*
 * tty.c - the console's line discipline, for processes.
 *
 * What is typed arrives as console events; the scheduler calls tty_poll()
 * after each, which keeps the bytes in a type-ahead buffer and wakes the
 * readers sleeping on tty_chan.  A read(0, ...) then edits the bytes into a
 * line, echoing them as it goes (backspace erases), and returns the line
 * with its newline once Return comes: echo happens when a program reads, as
 * it did in the kernel shell's read_line, so what is typed ahead never
 * lands in the middle of a program's output.  Ctrl-D on an empty line is an
 * end of file.
 *
 * Ctrl-C is acted on at once: it kills the console's foreground process
 * (SYS_setfg names it; the shell sets it while it waits for a program) and
 * drops what was typed ahead for it; with no foreground process it abandons
 * the line being typed.
 *
 * Raw mode is for `xm-lite console`: while a process is attached to a
 * domain's console (tools/console/consoled.c) every byte typed, Ctrl-C
 * included, is kept as it is for the console service to take with
 * tty_take() and forward to the domain; nothing is echoed.
 *
 * Tour 35/58 - after proc/uaccess.c, before proc/sysinfo.c.
 */
#include <os.h>
#include <proc.h>

#define LINE_MAX 128
#define RAW_MAX  512
#define CTRL_C   0x03
#define CTRL_D   0x04

int tty_chan, tty_fg_pid;
static char raw[RAW_MAX]; /* typed, not yet read */
static uint32_t raw_len;
static char line[LINE_MAX]; /* the line being edited by a reader */
static uint32_t line_len;
uint32_t tty_polled_events;
static int raw_mode;

/* Ctrl-C: kill the foreground process, or abandon the line being typed. */
static void interrupt(void)
{
    console_write("^C\n", 3);
    if (proc_kill(tty_fg_pid, SIGINT) == 0)
        raw_len = 0;
    else if (raw_len < RAW_MAX)
        raw[raw_len++] = CTRL_C; /* the reader abandons its line */
}

/* Move what was typed into the type-ahead buffer (tty_poll(), after a console event). */
void tty_take_typed(void)
{
    tty_polled_events = console_events;
    char buf[64];
    int n;
    while ((n = console_read(buf, sizeof(buf))) > 0)
        for (int i = 0; i < n; i++) {
            if (buf[i] == CTRL_C && !raw_mode)
                interrupt();
            else if (raw_len < RAW_MAX)
                raw[raw_len++] = buf[i];
        }
    if (raw_len)
        wakeup(&tty_chan);
}

/* Edit with one typed byte; 1 when the line is complete (in line[], with '\n'), 2 at EOF. */
static int edit(char c)
{
    if (c == '\r' || c == '\n') {
        console_write("\n", 1);
        line[line_len++] = '\n';
        return 1;
    }
    if (c == CTRL_C) {
        line_len = 0;
        line[line_len++] = '\n';
        return 1;
    }
    if (c == CTRL_D && line_len == 0)
        return 2;
    if ((c == 0x7F || c == 0x08) && line_len > 0) {
        line_len--;
        console_write("\b \b", 3);
    } else if (c >= 0x20 && c < 0x7F && line_len < LINE_MAX - 1) {
        line[line_len++] = c;
        console_write(&c, 1);
    }
    return 0;
}

/* One edited line (up to len bytes, with its newline), 0 at Ctrl-D, or -E_AGAIN until Return is
 * typed. */
int tty_read(char *buf, uint32_t len)
{
    uint32_t used = 0;
    int done = 0;
    while (used < raw_len && !done)
        done = edit(raw[used++]);
    memmove(raw, raw + used, raw_len - used);
    raw_len -= used;
    if (!done)
        return -E_AGAIN;
    if (done == 2)
        return 0;
    uint32_t k = MIN(len, line_len);
    memcpy(buf, line, k);
    line_len = 0; /* a reader asking for less than a line loses the rest */
    return (int)k;
}

void tty_set_raw(int on)
{
    raw_mode = on;
}

/* Raw mode's reader: up to cap typed bytes, ending early after `stop`; how many. */
int tty_take(char *buf, uint32_t cap, char stop)
{
    uint32_t n = 0;
    while (n < raw_len && n < cap && (n == 0 || buf[n - 1] != stop)) {
        buf[n] = raw[n];
        n++;
    }
    memmove(raw, raw + n, raw_len - n);
    raw_len -= n;
    return (int)n;
}
