/*
 * shell.c - the minios shell: dom0's prompt on the serial console.
 *
 * It reads a line (echoing what is typed, with backspace), splits it into
 * words and runs a command.  While there is no input it sleeps in
 * SCHEDOP_block until VIRQ_CONSOLE wakes it, so an idle dom0 costs nothing.
 * Natively (machine.h) the same shell answers at `native# `; the commands
 * that need the hypervisor (xm-lite, stats, bench) say so.
 */
#include <os.h>
#include <bench.h>
#include <blkdev.h>
#include <ext2fs.h>
#include <proc.h>
#include <vfs.h>

struct command {
    const char *name, *help;
    void (*fn)(int argc, char **argv);
};
static const struct command commands[];

static void cmd_help(int argc, char **argv);

static void print_uptime(uint64_t ns)
{
    printf("%u.%03u s", (uint32_t)(ns / 1000000000u), (uint32_t)(ns / 1000000u % 1000));
}

static const char *const mode_names[] = {"native", "dom0", "domU"};
int app_runs_natively = 1; /* the shell runs on the bare machine too (arch/native/start.c) */

/* The prompt: the mode's name. */
static const char *prompt_for_mode(void)
{
    static const char *const prompts[] = {"native# ", "dom0# ", "domU# "};
    return prompts[boot_mode];
}

/* Do we run on the hypervisor?  If not, say that `what` needs it. */
static int needs_hypervisor(const char *what)
{
    if (!is_native())
        return 1;
    printf("%s: needs the pvlab hypervisor; minios is running natively (no hypervisor here)\n",
           what);
    return 0;
}

static void cmd_info(int argc, char **argv)
{
    printf("mode:       %s (%s)\n", mode_names[boot_mode], boot_mode_reason);
    if (is_native()) {
        printf("memory:     %u MiB (%u pages, %u free)\n", start_info.nr_pages / 256,
               start_info.nr_pages, free_pages());
        printf("uptime:     ");
        print_uptime(monotonic_ns());
        printf(" (TSC against the PIT)\n");
        printf("hypervisor: none: ring 0 on the bare machine\n");
        printf("command:    %s\n", start_info.cmd_line);
        return;
    }
    char extra[16] = "";
    HYPERVISOR_xen_version(XENVER_extraversion, extra);
    long ver = HYPERVISOR_xen_version(XENVER_version, NULL);
    printf("memory:     %u MiB (%u pages, %u free)\n", start_info.nr_pages / 256,
           start_info.nr_pages, free_pages());
    printf("domain id:  %u%s\n", my_domid(),
           is_initial_domain() ? " (privileged, initial domain)" : "");
    printf("uptime:     ");
    print_uptime(monotonic_ns());
    printf(" (guest virtual time)\n");
    printf("hypervisor: pvlab %ld.%ld%s\n", ver >> 16, ver & 0xFFFF, extra);
    printf("command:    %s\n", start_info.cmd_line);
}

static void cmd_ticks(int argc, char **argv)
{
    uint32_t first = timer_ticks;
    uint64_t t0 = monotonic_ns();
    printf("ticks: VIRQ_TIMER arrives on event channel %u; %u ticks so far\n", timer_port, first);
    while (monotonic_ns() - t0 < 1000000000ull)
        block_until(&timer_ticks, timer_ticks);
    uint32_t n = timer_ticks - first;
    printf("ticks: %u timer events in ", n);
    print_uptime(monotonic_ns() - t0);
    printf(" (%u Hz)\n", n);
}

static void cmd_stats(int argc, char **argv)
{
    if (!needs_hypervisor("stats"))
        return (void)printf("stats: natively %u interrupts, %u CR3 loads\n", native_interrupts,
                            native_cr3_loads);
    struct xen_sysctl op = {.cmd = XEN_SYSCTL_pvlab_counters,
                            .interface_version = XEN_SYSCTL_INTERFACE_VERSION};
    op.u.pvlab_counters.domid = DOMID_SELF;
    if (HYPERVISOR_sysctl(&op)) {
        printf("stats: sysctl refused\n");
        return;
    }
    const struct pvlab_counters *c = &op.u.pvlab_counters.counters;
    printf("hypervisor entries %u: hypercalls %u (%u refused), exceptions %u (%u bounced), "
           "interrupts %u\n",
           (uint32_t)c->hv_entries, (uint32_t)c->hypercalls, (uint32_t)c->hypercall_errors,
           (uint32_t)c->exceptions, (uint32_t)c->bounces, (uint32_t)c->interrupts);
    printf("event upcalls %u, cr3 loads %u, page-table updates refused %u\n", (uint32_t)c->upcalls,
           (uint32_t)c->cr3_loads, (uint32_t)c->validation_errors);
}

static void cmd_pf(int argc, char **argv)
{
    uint32_t addr = argc > 1 ? strtoul(argv[1], NULL, 0) : 0x00001000;
    uint32_t val;
    printf("pf: reading %08x\n", addr);
    if (probe_read(addr, &val) == 0)
        printf("pf: %08x holds %08x\n", addr, val);
    else
        printf("pf: the read faulted and minios's page-fault handler recovered\n");
}

static void cmd_bench(int argc, char **argv)
{
    if (needs_hypervisor("bench"))
        run_benchmarks();
}

static void cmd_uptime(int argc, char **argv)
{
    printf("up ");
    print_uptime(monotonic_ns());
    printf(", %u timer ticks\n", timer_ticks);
}

static volatile uint32_t pings;
static void ping(evtchn_port_t port, void *data)
{
    pings++;
    notify_remote(port); /* pong */
}

/* domU: answer dom0's `xm-lite evtping`; the port comes through the xenstore. */
static void cmd_evtping(int argc, char **argv)
{
    char buf[16];
    uint64_t t0 = monotonic_ns();
    printf("evtping: waiting for dom0's port in the xenstore\n");
    while (xenbus_read("evtping/port", buf, sizeof(buf)) <= 0) {
        if (monotonic_ns() - t0 > 30000000000ull)
            return (void)printf("evtping: no port after 30 s\n");
        uint32_t seen = timer_ticks;
        block_until(&timer_ticks, seen);
    }
    int port = bind_interdomain(0, strtoul(buf, NULL, 10), ping, NULL);
    if (port < 0 || xenbus_write("evtping/ready", "1"))
        return (void)printf("evtping: cannot bind dom0's port (%d)\n", port);
    printf("evtping: answering on port %d\n", port);
}

static void cmd_bench_done(int argc, char **argv)
{
    printf("BENCH domains done\n");
}

void cmd_blk(int argc, char **argv);

static void cmd_halt(int argc, char **argv)
{
    ext2fs_shutdown(); /* the buffer caches reach the disk first */
    printf("halting: %s\n",
           is_native() ? "ACPI S5 (0x2000 to port 0x604)" : "sched_op(SCHEDOP_shutdown, poweroff)");
    poweroff();
}

static const struct command commands[] = {
    {"help", "this list", cmd_help},
    {"info", "memory, domain id and uptime", cmd_info},
    {"uptime", "time since this domain started", cmd_uptime},
    {"ticks", "watch the timer virtual interrupt (VIRQ_TIMER) arrive for a second", cmd_ticks},
    {"stats", "this domain's hypervisor counters", cmd_stats},
    {"pf", "[ADDR] read an unmapped address; the page-fault handler recovers", cmd_pf},
    {"bench", "measure hypercall, int $0x80 and #GP bounce path lengths", cmd_bench},
    {"blk", "block devices: list, info, read, write, verify, flush (blk help)", cmd_blk},
    {"evtping", "domU: answer dom0's xm-lite evtping (event-channel ping-pong)", cmd_evtping},
    {"halt", "shut this domain down (dom0: power off)", cmd_halt},
    {"bench-done", "print the end-of-benchmarks marker", cmd_bench_done},
    {NULL, NULL, NULL},
};

static void cmd_help(int argc, char **argv)
{
    for (const struct command *c = commands; c->name; c++)
        printf("  %-8s %s\n", c->name, c->help);
}

static int split(char *line, char **argv, int max)
{
    int argc = 0;
    while (*line && argc < max) {
        while (*line == ' ')
            *line++ = 0;
        if (!*line)
            break;
        argv[argc++] = line;
        while (*line && *line != ' ')
            line++;
    }
    return argc;
}

static void run_line(char *line)
{
    char *argv[8];
    int argc = split(line, argv, 8);
    if (argc == 0)
        return;
    for (const struct command *c = commands; c->name; c++)
        if (!strcmp(c->name, argv[0])) {
            c->fn(argc, argv);
            return;
        }
    printf("%s: unknown command (try 'help')\n", argv[0]);
}

/* SYS_kcmd: a line the ring-3 shell had no program for. */
void shell_run_line(char *line)
{
    run_line(line);
}

/* Run ';'-separated command lines, as if typed. */
static void run_line_str(const char *cmds)
{
    char line[128];
    while (*cmds) {
        size_t n = 0;
        while (cmds[n] && cmds[n] != ';')
            n++;
        size_t k = MIN(n, sizeof(line) - 1);
        memcpy(line, cmds, k);
        line[k] = 0;
        printf("%s%s\n", prompt_for_mode(), line);
        run_line(line);
        cmds += n + (cmds[n] == ';');
    }
}

/* Read one line; returns its length.  Sleeps while nothing is typed. */
static int read_line(char *line, int max)
{
    static char buf[64]; /* what was typed after the last line: type-ahead is kept */
    static int have, next;
    int len = 0;
    for (;;) {
        if (next == have) {
            uint32_t seen = event_count;
            run_services(); /* dom0: consoles, xenstore, domain exits */
            have = console_read(buf, sizeof(buf));
            next = 0;
            if (have <= 0) {
                have = 0;
                block_until(&event_count, seen);
                continue;
            }
        }
        while (next < have) {
            char c = buf[next++];
            if (c == '\r' || c == '\n') {
                console_write("\n", 1);
                line[len] = 0;
                return len;
            }
            if ((c == 0x7F || c == 0x08) && len > 0) {
                len--;
                console_write("\b \b", 3);
            } else if (c >= 0x20 && c < 0x7F && len < max - 1) {
                line[len++] = c;
                console_write(&c, 1);
            }
        }
    }
}

/* The value of the command line's word `key`VALUE (key ends in '='), copied into buf; 0 if absent
 * or too long for buf. */
static int cmdline_value(const char *key, char *buf, size_t cap)
{
    size_t n = strlen(key);
    for (const char *s = start_info.cmd_line; *s;) {
        size_t w = 0;
        while (s[w] && s[w] != ' ')
            w++;
        if (w > n && w - n < cap && !strncmp(s, key, n)) {
            memcpy(buf, s + n, w - n);
            buf[w - n] = 0;
            return 1;
        }
        s += w;
        while (*s == ' ')
            s++;
    }
    return 0;
}

/* The boot archive: dom0's (and the native kernel's) boot module, or the programs built into this
 * kernel (a domU's case). */
static const void *boot_archive(uint32_t *len)
{
    extern const char initfs_start[], initfs_end[];
    if (start_info.mod_len) {
        *len = start_info.mod_len;
        return (const void *)start_info.mod_start;
    }
    *len = (uint32_t)(initfs_end - initfs_start);
    return initfs_start;
}

/*
 * The root file system: ext2 on the domain's disk (dom0's hda2, a domU's
 * xvda) with the boot archive at /boot, or, when the disk holds no ext2, the
 * boot archive at / as before.  The archive is dom0's boot module, or the
 * programs built into this kernel (a domU's case).  root=NAME on the command
 * line names another device, e.g. a RAM disk of the archive (ramdisk.c).
 */
static void mount_root(void)
{
    char dev[16];
    if (!cmdline_value("root=", dev, sizeof(dev))) /* root=ram0: a RAM disk (ramdisk.c) */
        strlcpy(dev, is_initial_domain() || is_native() ? "hda2" : "xvda", sizeof(dev));
    uint32_t len;
    const void *archive = boot_archive(&len);
    int rc = blkdev_find(dev) ? ext2fs_mount(dev, "/", 0) : -E_NOENT;
    if (rc == 0) {
        cpiofs_mount("/boot", archive, len);
        procfs_mount("/proc");
        return;
    }
    if (rc != -E_NOENT)
        printf("minios: %s: %s; the boot archive is the root file system%s\n", dev,
               rc == -E_NOEXEC ? "no ext2 file system" : "cannot mount it",
               rc == -E_NOEXEC && is_initial_domain() ? " (make disk on the host makes one)" : "");
    cpiofs_mount("/", archive, len);
    procfs_mount("/proc");
}

/*
 * From here on the prompt is /bin/sh's, a ring-3 process, and this stack is
 * the scheduler's.  A boot-time script (the benchmarks') is handed to it to
 * type first (sh -t), since the toolstack it drives is a program.
 */
static void start_processes(const char *script)
{
    mount_root();
    proc_init();
    syscall_init();
    int pid = proc_start_init("/bin/sh", script);
    if (pid == -E_NOENT) /* an ext2 root without programs: the boot archive has them */
        pid = proc_start_init("/boot/bin/sh", script);
    if (pid < 0) {
        printf("minios: cannot start /bin/sh (%d); the kernel's shell answers\n", pid);
        return;
    }
    scheduler();
}

/* Is `word` one of the space-separated words of the command line? */
static int cmdline_has(const char *word)
{
    size_t n = strlen(word);
    for (const char *s = start_info.cmd_line; *s;) {
        if (!strncmp(s, word, n) && (s[n] == ' ' || s[n] == 0))
            return 1;
        while (*s && *s != ' ')
            s++;
        while (*s == ' ')
            s++;
    }
    return 0;
}

/* dom0's block benchmark: the disk directly, then a domU through blkfront with grant copy, then
 * one whose backend maps each segment.  On hda1 (the IDE disk, whose completions depend on the
 * host), or with `ram` on ram1, a RAM disk of the boot archive (ramdisk.c), which repeats exactly.
 */
static const char *blkbench_script(int ram)
{
    static char script[512];
    const char *dev = ram ? "ram1" : "hda1",
               *cfg = ram ? "/etc/xm/domU-ram.cfg" : "/etc/xm/domU.cfg";
    snprintf(script, sizeof(script),
             "blk bench %s;xm-lite create %s extra=blkbench;"
             "xm-lite wait domU data/bench-done;xm-lite block-list domU;"
             "xm-lite destroy domU;"
             "xm-lite create %s name=mapper extra=blkbench bemode=map;"
             "xm-lite wait mapper data/bench-done;xm-lite block-list mapper;"
             "xm-lite destroy mapper;bench-done",
             dev, cfg, cfg);
    return script;
}

int app_main(void)
{
    const char *prompt = prompt_for_mode();
    if (is_native()) {
        ide_init(); /* the disk dom0 drives, driven directly */
        printf("minios: no hypervisor: xm-lite, the xenstore and the split block drivers "
               "(blkfront, blkback) need it and are not started\n");
    } else if (is_initial_domain()) {
        ide_init();
        domsvc_init();
    } else {
        blkfront_init();
    }
    uint32_t archive_len;
    const void *archive = boot_archive(&archive_len);
    ramdisks_from_archive(archive, archive_len); /* before anything can use a disk */
    if (cmdline_has("evtping"))
        cmd_evtping(0, NULL);
    if (cmdline_has("bench") && is_native()) { /* the native boot's figures (tests/bench.py) */
        prompt_tsc = rdtsc();
        printf("BENCH native_start_tsc=%u%09u boot_to_prompt_tsc=%u%09u\n",
               (uint32_t)(start_tsc / 1000000000u), (uint32_t)(start_tsc % 1000000000u),
               (uint32_t)(prompt_tsc / 1000000000u), (uint32_t)(prompt_tsc % 1000000000u));
        bench_page_fault();
    }
    if (cmdline_has("bench") && !is_native()) {
        prompt_tsc = rdtsc(); /* no prompt yet: measure before any input can arrive */
        run_benchmarks();
    }
    if (cmdline_has("blkbench") && !is_initial_domain()) {
        run_line_str("blk bench xvda");
        xenbus_write("data/bench-done", "1");
    }
    const char *script = NULL; /* typed by /bin/sh at its first prompt: xm-lite is a program */
    if ((cmdline_has("blkbench") || cmdline_has("blkbench=ram")) && is_initial_domain())
        script = blkbench_script(cmdline_has("blkbench=ram"));
    if (cmdline_has("benchdom") && is_initial_domain()) /* the many-domain figures */
        script = "xm-lite create /etc/xm/nodisk.cfg name=pp extra=evtping;"
                 "xm-lite evtping pp 1000;xm-lite destroy pp;xm-lite info;"
                 "xm-lite bench-create /etc/xm/nodisk.cfg;xm-lite info;bench-done";
    printf("\nminios: %s ready. Type 'help' for commands.\n", mode_names[boot_mode]);
    if (!prompt_tsc)
        prompt_tsc = rdtsc();
    start_processes(script); /* returns only if /bin/sh cannot run: the kernel shell takes over */
    for (;;) {
        char line[128];
        if (!prompt_tsc)
            prompt_tsc = rdtsc();
        printf("%s", prompt);
        read_line(line, sizeof(line));
        run_line(line);
    }
}
