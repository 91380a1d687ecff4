/*
 * pwd - print the working directory.  A program, not a builtin, so it
 * shows what a child inherits: the shell's directory at the time it was
 * started (the shell's `cd` changes its own, and children start in it).
 */
#include <ulib.h>

int main(int argc, char **argv)
{
    char dir[PATH_MAX_LEN];
    int n = getcwd(dir, sizeof(dir));
    if (n < 0) {
        dprintf(2, "pwd: %s\n", strerror(-n));
        return 1;
    }
    printf("%s\n", dir);
    return 0;
}
