/*
 * gate.c - the lab's instruction gate: a second, tiny QEMU TCG plugin that
 * says *when*, while pvlab-cache.so (tools/plugin/) says *what happened*
 * (build/lab/pvlab-gate.so).
 *
 * The lab measures from checkpoints (docs/lab.md): a configuration is booted
 * under -icount shift=0,sleep=off, stopped partway through its workload and
 * saved with `savevm`; a measurement run `loadvm`s it and measures a fixed
 * window of N instructions.  QEMU 7.2 can neither stop a machine after N
 * instructions nor let a plugin pause it, so this plugin counts instructions
 * and markers and acts at a trigger:
 *
 *   at=K:N       trigger once K markers have executed and N instructions
 *                after the K-th (K = 0: N instructions from the start);
 *                up to 16 triggers, in order
 *   marker_pc=A  the instruction at virtual address A counts as a marker too
 *                (xchg %bx,%bx, 66 87 DB, always does); up to 8
 *   action=exit  (measurement) at the trigger, before the next instruction,
 *                exit(0): QEMU's exit handlers run, so pvlab-cache.so
 *                reports the window as its `run` record; counting is per
 *                instruction and the window is exactly N instructions
 *   action=pause (checkpoint) at the first translation block that starts at
 *                or after the trigger, append "trigger=I insns=X" to the
 *                signal file and wait until the file SIGNAL.goI exists: the
 *                harness meanwhile sends `stop` to the monitor, whose kick
 *                makes the vCPU stop at the end of this block once released;
 *                the first block after the machine runs again appends
 *                "resumed insns=X", the exact instruction count at the
 *                snapshot
 *   signal=PATH  the file for these lines, "marker=K insns=X" at each
 *                marker and "exit insns=X markers=M" at exit
 *
 * Counting: an inline add per instruction (exact, cheap); a callback per
 * translation block checks pause triggers; exit mode adds a callback per
 * instruction.  Markers get a callback of their own.  One vCPU is assumed,
 * as in pvlab-cache.so.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu_plugin_api.h"

/* Not used by tools/plugin, so not declared in its header: QEMU 7.2's signature. */
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
                                          qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);

QEMU_PLUGIN_EXPORT int qemu_plugin_version = PVLAB_QEMU_PLUGIN_API;

#define MAX_TRIGGERS 16
#define MAX_PCS      8
#define MAX_MARKERS  1024 /* at=K:N takes K up to this */

struct trigger {
    uint64_t markers, insns; /* at=K:N */
};

static struct trigger triggers[MAX_TRIGGERS];
static int ntriggers, next_trigger;
static uint64_t marker_pcs[MAX_PCS];
static int npcs;
static bool exit_mode;
static char signal_path[256];

static uint64_t insns;       /* executed so far (inline counter) */
static uint64_t markers;     /* markers executed so far */
static uint64_t marker_insns[MAX_MARKERS + 1]; /* insns when the K-th marker executed */
static bool report_resume;

/* ---------------------------------------------------------------- the signal file */

static void signal_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void signal_line(const char *fmt, ...)
{
    FILE *f = fopen(signal_path, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

static void wait_release(int trigger)
{
    char go[300];
    snprintf(go, sizeof(go), "%s.go%d", signal_path, trigger);
    while (access(go, F_OK) != 0)
        usleep(10000);
}

/* ---------------------------------------------------------------- triggers */

static bool trigger_due(void)
{
    if (next_trigger >= ntriggers)
        return false;
    const struct trigger *t = &triggers[next_trigger];
    if (markers < t->markers)
        return false;
    uint64_t since = insns - marker_insns[t->markers];
    return since >= t->insns;
}

static void on_tb(unsigned int vcpu, void *udata)
{
    if (report_resume) {
        report_resume = false;
        signal_line("resumed insns=%" PRIu64 "\n", insns);
    }
    if (trigger_due()) {
        int i = next_trigger++;
        signal_line("trigger=%d insns=%" PRIu64 "\n", i, insns);
        wait_release(i);
        report_resume = true;
    }
}

static void on_insn(unsigned int vcpu, void *udata)
{
    if (trigger_due())
        exit(0); /* on_atexit() and pvlab-cache.so's report run from here */
}

static void on_marker(unsigned int vcpu, void *udata)
{
    if (++markers <= MAX_MARKERS)
        marker_insns[markers] = insns; /* the marker is the first instruction after it */
    signal_line("marker=%" PRIu64 " insns=%" PRIu64 "\n", markers, insns);
}

/* ---------------------------------------------------------------- translation */

static bool is_marker(struct qemu_plugin_insn *insn)
{
    const uint8_t *b = qemu_plugin_insn_data(insn);
    uint64_t va = qemu_plugin_insn_vaddr(insn);
    for (int i = 0; i < npcs; i++)
        if (marker_pcs[i] == va)
            return true;
    return qemu_plugin_insn_size(insn) == 3 && b[0] == 0x66 && b[1] == 0x87 && b[2] == 0xdb;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    if (!exit_mode)
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_tb, QEMU_PLUGIN_CB_NO_REGS, NULL);
    for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        if (exit_mode)
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS, NULL);
        if (is_marker(insn))
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS, NULL);
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &insns, 1);
    }
}

static void on_atexit(qemu_plugin_id_t id, void *userdata)
{
    signal_line("exit insns=%" PRIu64 " markers=%" PRIu64 "\n", insns, markers);
}

/* ---------------------------------------------------------------- arguments */

static int parse_arg(const char *arg)
{
    char *end;
    if (!strncmp(arg, "at=", 3) && ntriggers < MAX_TRIGGERS) {
        struct trigger *t = &triggers[ntriggers++];
        t->markers = strtoull(arg + 3, &end, 0);
        if (*end != ':')
            return -1;
        t->insns = strtoull(end + 1, &end, 0);
        return *end || t->markers > MAX_MARKERS ? -1 : 0;
    }
    if (!strncmp(arg, "marker_pc=", 10) && npcs < MAX_PCS) {
        marker_pcs[npcs++] = strtoull(arg + 10, &end, 0);
        return *end ? -1 : 0;
    }
    if (!strcmp(arg, "action=exit") || !strcmp(arg, "action=pause")) {
        exit_mode = !strcmp(arg, "action=exit");
        return 0;
    }
    if (!strncmp(arg, "signal=", 7)) {
        snprintf(signal_path, sizeof(signal_path), "%s", arg + 7);
        return 0;
    }
    return -1;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    for (int i = 0; i < argc; i++)
        if (parse_arg(argv[i])) {
            fprintf(stderr, "pvlab-gate: bad argument '%s' (known: at=K:N marker_pc=ADDR "
                            "action=exit|pause signal=PATH)\n", argv[i]);
            return -1;
        }
    if (!signal_path[0] || !ntriggers) {
        fprintf(stderr, "pvlab-gate: needs signal=PATH and at least one at=K:N\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
    return 0;
}
