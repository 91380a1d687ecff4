/*
 * share [MS] [sys] - start two `spin MS` at once and wait for both: each
 * reports the share of the CPU it got (the process_tests check 40-60 %
 * each).  With `sys` the second spins in system calls (spin's `sys`), which
 * only preemption on the way back from a system call can share with.
 */
#include <ulib.h>

int main(int argc, char **argv)
{
    char *ms = argc > 1 ? argv[1] : "1000";
    char *args[] = {"spin", ms, NULL}, *sys_args[] = {"spin", ms, "sys", NULL};
    int a = spawn("/bin/spin", args);
    int b = spawn("/bin/spin", argc > 2 && !strcmp(argv[2], "sys") ? sys_args : args);
    if (a < 0 || b < 0) {
        printf("share: spawn failed: %d %d\n", a, b);
        return 1;
    }
    waitpid(a, NULL, 0);
    waitpid(b, NULL, 0);
    return 0;
}
