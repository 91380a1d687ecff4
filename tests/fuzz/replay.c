/*
 * replay.c - run a fuzz target over its seed corpus once, without libFuzzer.
 *
 * `make test` must not need clang, so tests/corpus_tests.py links each target
 * with this driver and gcc's AddressSanitizer and UndefinedBehaviorSanitizer
 * (any finding fatal) instead of libFuzzer.  The arguments are files or
 * directories (whose regular files run in name order); each file is read
 * into a heap buffer of exactly its size, so a parser reading one byte past
 * its input is caught, and handed to LLVMFuzzerTestOneInput().  No new
 * inputs are made.  The driver ends with "replay: N inputs" so the test can
 * check that every seed ran; a crash ends it earlier with the sanitizer's
 * report and the name of the input.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned int inputs;

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: cannot open\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc(n ? (size_t)n : 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        exit(2);
    }
    fclose(f);
    fprintf(stderr, "replay: running %s (%ld bytes)\n", path, n);
    LLVMFuzzerTestOneInput(buf, (size_t)n);
    free(buf);
    inputs++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0) {
        fprintf(stderr, "replay: %s: cannot list\n", dir);
        exit(2);
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            run_file(path);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            return 2;
        }
        if (S_ISDIR(st.st_mode))
            run_dir(argv[i]);
        else
            run_file(argv[i]);
    }
    printf("replay: %u inputs\n", inputs);
    return 0;
}
