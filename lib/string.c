/*
 * string.c - memory and string helpers for the freestanding hypervisor and
 * minios.  Plain loops, except memcpy and memset, which use the x86 string
 * instructions: the hypervisor scrubs every page it gives a domain, and a
 * byte loop there would dominate boot time.
 */
#include <lib.h>

void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    const void *s = src;
    size_t words = n / 4, bytes = n % 4;
    __asm__ volatile("rep movsl\n\t"
                     "mov %3, %%ecx\n\t"
                     "rep movsb"
                     : "+D"(d), "+S"(s), "+c"(words)
                     : "r"(bytes)
                     : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;
    if (d <= s || d >= s + n) /* no overlap that a forward copy would trample */
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    uint32_t v = (uint8_t)c * 0x01010101u;
    size_t words = n / 4, bytes = n % 4;
    __asm__ volatile("rep stosl\n\t"
                     "mov %3, %%ecx\n\t"
                     "rep stosb"
                     : "+D"(d), "+c"(words)
                     : "a"(v), "r"(bytes)
                     : "memory");
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b)
            return (unsigned char)*a - (unsigned char)*b;
        if (!*a)
            return 0;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c ? NULL : (char *)s;
}

char *strncpy(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++)
        dst[i] = src[i];
    for (; i < n; i++)
        dst[i] = 0;
    return dst;
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = 0;
    }
    return len;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

unsigned long strtoul(const char *s, const char **end, int base)
{
    unsigned long v = 0;
    if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
        digit_value(s[2]) < 16) {
        s += 2;
        base = 16;
    }
    if (base == 0)
        base = 10;
    /* Past ULONG_MAX the value stays ULONG_MAX, as C's strtoul() answers, rather than wrapping:
     * "4294967297" must not read as 1 (a domain id, a size) to a caller checking a range. */
    for (int d; (d = digit_value(*s)) < base; s++)
        v = v > (~0UL - (unsigned long)d) / (unsigned long)base ? ~0UL : v * base + d;
    if (end)
        *end = s;
    return v;
}

uint64_t parse_size(const char *s, const char **end)
{
    const char *p;
    uint64_t v = strtoul(s, &p, 0);
    if (p == s)
        return 0;
    switch (*p) {
    case 'G':
    case 'g':
        v <<= 30;
        p++;
        break;
    case 'M':
    case 'm':
        v <<= 20;
        p++;
        break;
    case 'K':
    case 'k':
        v <<= 10;
        p++;
        break;
    default:
        v <<= 20;
        break; /* a bare number means MiB, as in Xen's dom0_mem */
    }
    if (end)
        *end = p;
    return v;
}
