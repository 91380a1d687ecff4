/*
 * share [MS] - start two `spin MS` at once and wait for both: each reports
 * the share of the CPU it got (the process_tests check 40-60 % each).
 */
#include <ulib.h>

int main(int argc, char **argv)
{
    char *args[] = {"spin", argc > 1 ? argv[1] : "1000", NULL};
    int a = spawn("/bin/spin", args), b = spawn("/bin/spin", args);
    if (a < 0 || b < 0) {
        printf("share: spawn failed: %d %d\n", a, b);
        return 1;
    }
    waitpid(a, NULL, 0);
    waitpid(b, NULL, 0);
    return 0;
}
