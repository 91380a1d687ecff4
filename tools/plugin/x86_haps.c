/*
 * x86_haps.c - recognise the instructions of x86_haps.h from their bytes.
 *
 * Only the few opcodes that matter are decoded.  Legacy prefixes (operand and
 * address size, segment overrides, lock, rep) are skipped first, so `66 CF`
 * (iretw) is still an iret and a segment-prefixed mov to CR3 is still one.
 * The marker is matched exactly, prefix and all: `87 DB` alone is
 * xchg %ebx,%ebx, which compilers never emit either, but Simics' convention
 * and Bochs' magic breakpoint are the 16-bit form.
 */
#include "x86_haps.h"

static int is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0x66: /* operand size */
    case 0x67: /* address size */
    case 0xF0: /* lock */
    case 0xF2: /* repne */
    case 0xF3: /* rep */
    case 0x26: /* es: */
    case 0x2E: /* cs: */
    case 0x36: /* ss: */
    case 0x3E: /* ds: */
    case 0x64: /* fs: */
    case 0x65: /* gs: */
        return 1;
    default:
        return 0;
    }
}

static enum hap_kind decode_int(uint8_t vector)
{
    if (vector == 0x80)
        return HAP_INT80;
    if (vector == 0x82)
        return HAP_INT82;
    return HAP_INT_OTHER;
}

/* Two-byte opcodes 0F xx; rest points after the 0F. */
static enum hap_kind decode_0f(const uint8_t *rest, size_t len)
{
    if (len < 1)
        return HAP_NONE;
    switch (rest[0]) {
    case 0x22: /* mov to a control register: the ModRM reg field names it */
        return len >= 2 && ((rest[1] >> 3) & 7) == 3 ? HAP_CR3_WRITE : HAP_NONE;
    case 0x34:
        return HAP_SYSENTER;
    case 0x35:
        return HAP_SYSEXIT;
    default:
        return HAP_NONE;
    }
}

enum hap_kind hap_decode(const uint8_t *insn, size_t len)
{
    if (len == 3 && insn[0] == 0x66 && insn[1] == 0x87 && insn[2] == 0xDB)
        return HAP_MARKER;
    size_t i = 0;
    while (i < len && is_legacy_prefix(insn[i]))
        i++;
    if (i >= len)
        return HAP_NONE;
    switch (insn[i]) {
    case 0x0F:
        return decode_0f(insn + i + 1, len - i - 1);
    case 0xCC:
        return HAP_INT3;
    case 0xCD:
        return i + 1 < len ? decode_int(insn[i + 1]) : HAP_NONE;
    case 0xCE: /* into */
    case 0xF1: /* int1 */
        return HAP_INT_OTHER;
    case 0xCF:
        return HAP_IRET;
    default:
        return HAP_NONE;
    }
}

int insn_is_sti(const uint8_t *insn, size_t len)
{
    size_t i = 0;
    while (i < len && is_legacy_prefix(insn[i]))
        i++;
    return i < len && insn[i] == 0xFB;
}

const char *hap_name(enum hap_kind kind)
{
    static const char *const names[HAP_KINDS] = {
        [HAP_NONE] = "none",   [HAP_MARKER] = "markers",    [HAP_CR3_WRITE] = "cr3_writes",
        [HAP_INT80] = "int80", [HAP_INT82] = "int82",       [HAP_INT_OTHER] = "int_other",
        [HAP_INT3] = "int3",   [HAP_SYSENTER] = "sysenter", [HAP_SYSEXIT] = "sysexit",
        [HAP_IRET] = "iret",
    };
    return kind < HAP_KINDS ? names[kind] : "?";
}
