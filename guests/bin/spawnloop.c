/* spawnloop N [PROGRAM] - spawn, and wait for, PROGRAM (/bin/true) N times. */
#include <ulib.h>

int main(int argc, char **argv)
{
    uint32_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100;
    char *path = argc > 2 ? argv[2] : "/bin/true", *args[] = {path, NULL};
    for (uint32_t i = 0; i < n; i++) {
        int status, pid = spawn(path, args);
        if (pid < 0 || waitpid(pid, &status, 0) != pid || status) {
            printf("spawnloop: cycle %u failed (%d)\n", i, pid);
            return 1;
        }
    }
    printf("spawnloop: %u cycles\n", n);
    return 0;
}
