/* sync - write every file system's dirty blocks to its disk now. */
#include <ulib.h>

int main(int argc, char **argv)
{
    int rc = sync();
    if (rc < 0)
        dprintf(2, "sync: %s\n", strerror(-rc));
    return rc < 0;
}
