/* kill [-SIGNAL] PID... - end processes (SIGTERM unless a number is given). */
#include <ulib.h>

int main(int argc, char **argv)
{
    int sig = SIGTERM, bad = 0, i = 1;
    if (argc > 1 && argv[1][0] == '-')
        sig = (int)strtoul(argv[i++] + 1, NULL, 10);
    if (i == argc) {
        printf("usage: kill [-SIGNAL] PID...\n");
        return 2;
    }
    for (; i < argc; i++) {
        int rc = kill((int)strtoul(argv[i], NULL, 10), sig);
        if (rc < 0) {
            printf("kill: %s: %s\n", argv[i], strerror(-rc));
            bad = 1;
        }
    }
    return bad;
}
