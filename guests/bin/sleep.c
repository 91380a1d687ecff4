/* sleep SECONDS[.FRACTION] - sleep, without using the CPU. */
#include <ulib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        printf("usage: sleep SECONDS\n");
        return 2;
    }
    const char *end;
    struct pvlab_timespec ts = {(int32_t)strtoul(argv[1], &end, 10), 0};
    if (*end == '.')
        for (int32_t scale = 100000000; *++end >= '0' && *end <= '9'; scale /= 10)
            ts.tv_nsec += (*end - '0') * scale;
    return nanosleep(&ts) ? 1 : 0;
}
