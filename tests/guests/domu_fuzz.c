/*
 * domu_fuzz - the hypercall fuzzer of fuzz_hypercalls.c run as an
 * unprivileged domU, created by xm-lite (tests/fuzz_tests.py).  The same
 * generator, the same exclusions; the privileged calls are now expected to
 * be refused, and whatever the hypervisor answers, dom0 must still answer
 * at its prompt and every frame must come back when the domU is destroyed.
 */
#include "fuzz_hypercalls.c"
