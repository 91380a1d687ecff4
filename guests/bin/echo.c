/* echo - print the arguments, separated by spaces; a failed write (a full disk) is reported. */
#include <ulib.h>

int main(int argc, char **argv)
{
    char line[SPAWN_MAX_CHARS + 2];
    uint32_t n = 0;
    for (int i = 1; i < argc; i++)
        n += (uint32_t)snprintf(line + n, sizeof(line) - n, "%s%s", argv[i],
                                i + 1 < argc ? " " : "");
    line[n++] = '\n';
    int rc = write(1, line, n);
    if (rc != (int)n) {
        dprintf(2, "echo: write error: %s\n", strerror(rc < 0 ? -rc : E_NOSPC));
        return 1;
    }
    return 0;
}
