/* halt - write the file systems back and power this domain off (dom0: the machine). */
#include <ulib.h>

int main(void)
{
    int rc = poweroff();
    printf("halt: %s\n", strerror(-rc)); /* only if refused */
    return 1;
}
