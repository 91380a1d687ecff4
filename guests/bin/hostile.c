/*
 * hostile TEST - a program that attacks the kernel, the hypervisor or another
 * process; tests/process_tests.py runs each TEST and checks the one verdict.
 * Tests that must be killed print nothing after the attack; the system-call
 * tests print "hostile: NAME -> RESULT" for each call and "hostile: PASS" if
 * every call was refused as it should be.
 */
#include <ulib.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/io/xs_wire.h>

#define KERNEL   0xC0000000u
#define HV       0xFC000000u
#define UNMAPPED 0x20000000u

static int failures;
static volatile uint32_t secret;

static void expect(const char *what, int rc, int want)
{
    printf("hostile: %s -> %d%s\n", what, rc, rc == want ? "" : " (WRONG)");
    failures += rc != want;
}

/* System calls with pointers into the kernel, unmapped, straddling the top, too long. */
static int bad_pointers(void)
{
    static char buf[64];
    struct pvlab_stat st;
    uint32_t top = USER_STACK_TOP - 8;
    expect("write from kernel memory", write(1, (void *)KERNEL, 16), -E_FAULT);
    expect("write from hypervisor memory", write(1, (void *)HV, 16), -E_FAULT);
    expect("read into kernel memory", read(0, (void *)(KERNEL + 0x1000), 16), -E_FAULT);
    expect("write from unmapped memory", write(1, (void *)UNMAPPED, 16), -E_FAULT);
    expect("write straddling the stack top", write(1, (void *)top, 16), -E_FAULT);
    expect("write with a huge length", write(1, buf, 0xFFFFFFF0u), -E_FAULT);
    expect("read into its own code", read(0, (void *)expect, 4), -E_FAULT);
    expect("open with a kernel path", open((const char *)KERNEL, O_RDONLY), -E_FAULT);
    expect("stat into the kernel", stat("/bin/sh", (struct pvlab_stat *)KERNEL), -E_FAULT);
    expect("stat straddling", stat("/bin/sh", (struct pvlab_stat *)top), -E_FAULT);
    expect("clock_gettime into the hypervisor", clock_gettime(1, (void *)HV), -E_FAULT);
    expect("waitpid status into the kernel", waitpid(-1, (int *)KERNEL, 0), -E_FAULT);
    char *kargv[] = {(char *)KERNEL, NULL};
    expect("spawn with a kernel argv string", spawn("/bin/true", kargv), -E_FAULT);
    expect("spawn with an unmapped argv", spawn("/bin/true", (char **)UNMAPPED), -E_FAULT);
    expect("procinfo with a huge count", procinfo((void *)buf, 0x7FFFFFFF), -E_FAULT);
    expect("getdents into the kernel", getdents(0, (void *)KERNEL, 64), -E_FAULT);
    expect("brk into the kernel",
           (int)((uint32_t)syscall5(SYS_brk, KERNEL, 0, 0, 0, 0) == (uint32_t)sbrk(0)), 1);
    expect("an unknown system call", (int)syscall5(9999, 0, 0, 0, 0, 0), -E_NOSYS);
    expect("the retired kernel-command call", (int)syscall5(27, 0, 0, 0, 0, 0), -E_NOSYS);
    int fd = open("/bin/sh", O_RDONLY);
    expect("a file read into its own code", read(fd, (void *)expect, 4), -E_FAULT);
    expect("a file read into the kernel", read(fd, (void *)KERNEL, 4096), -E_FAULT);
    close(fd);
    expect("sysinfo into the kernel", sysinfo((struct pvlab_sysinfo *)KERNEL), -E_FAULT);
    expect("stats into the hypervisor", stats((struct pvlab_stats *)HV), -E_FAULT);
    expect("a block request in the kernel", blkdev(BLKDEV_INFO, (void *)KERNEL), -E_FAULT);
    static struct pvlab_blkreq req; /* the first device, if there is one, read into the kernel */
    if (blkdev(BLKDEV_INFO, &req) == 0) {
        req.count = 1, req.buf = KERNEL;
        expect("a block read into the kernel", blkdev(BLKDEV_READ, &req), -E_FAULT);
        req.count = BLKDEV_MAX_SECTORS + 1, req.buf = (uint32_t)buf;
        expect("a block read too long", blkdev(BLKDEV_READ, &req), -E_INVAL);
    }
    (void)st;
    printf("hostile: %s\n", failures ? "FAIL" : "PASS");
    return failures != 0;
}

/*
 * privcmd and xenbus with pointers the hypervisor would write through: into
 * the kernel, straddling, unmapped; then without the right.  In a domU
 * every privcmd is refused at once (-E_PERM).
 */
static int privcmd_abuse(void)
{
    static struct xen_domctl dc;
    static struct xen_sysctl sc;
    static struct xsd_sockmsg msg;
    static char reply[64];
    struct pvlab_uname u;
    uname(&u);
    int want = u.privileged ? -E_FAULT : -E_PERM;
    dc.cmd = XEN_DOMCTL_getdomaininfo, dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    sc.cmd = XEN_SYSCTL_readconsole, sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    expect("privcmd domctl struct in the kernel", privcmd(__HYPERVISOR_domctl, (void *)KERNEL),
           want);
    sc.u.readconsole.buffer = KERNEL, sc.u.readconsole.count = 64;
    expect("privcmd readconsole into the kernel", privcmd(__HYPERVISOR_sysctl, &sc), want);
    sc.u.readconsole.buffer = HV;
    expect("privcmd readconsole into the hypervisor", privcmd(__HYPERVISOR_sysctl, &sc), want);
    sc.u.readconsole.buffer = USER_STACK_TOP - 16;
    expect("privcmd readconsole straddling", privcmd(__HYPERVISOR_sysctl, &sc), want);
    sc.u.readconsole.buffer = UNMAPPED;
    expect("privcmd readconsole unmapped", privcmd(__HYPERVISOR_sysctl, &sc), want);
    dc.cmd = XEN_DOMCTL_pvlab_build, dc.domain = 1;
    dc.u.build.image = KERNEL, dc.u.build.image_len = 4096;
    expect("privcmd build from a kernel image", privcmd(__HYPERVISOR_domctl, &dc), want);
    dc.cmd = XEN_DOMCTL_destroydomain, dc.domain = 0;
    expect("privcmd destroy dom0", privcmd(__HYPERVISOR_domctl, &dc),
           u.privileged ? -E_INVAL : -E_PERM);
    expect("domsvc with a kernel pointer",
           (int)syscall5(SYS_domsvc, DOMSVC_MANAGE, 1, KERNEL, 0, 0), want);
    expect("domsvc on dom0", (int)syscall5(SYS_domsvc, DOMSVC_CONSOLE_ATTACH, 0, 0, 0, 0),
           u.privileged ? -E_INVAL : -E_PERM);
    expect("privcmd another hypercall", privcmd(__HYPERVISOR_mmu_update, &dc),
           u.privileged ? -E_NOSYS : -E_PERM);
    msg = (struct xsd_sockmsg){XS_READ, 1, 0, 0};
    expect("xenbus reply into the kernel", xenbus(&msg, sizeof(msg), (void *)KERNEL, 64), -E_FAULT);
    expect("xenbus with a huge length", xenbus(&msg, 0x7FFFFFFF, reply, 64), -E_INVAL);
    privdrop();
    dc.cmd = XEN_DOMCTL_getdomaininfo;
    expect("privcmd after privdrop", privcmd(__HYPERVISOR_domctl, &dc), -E_PERM);
    expect("xenbus after privdrop", xenbus(&msg, sizeof(msg), reply, 64), -E_PERM);
    expect("poweroff after privdrop", poweroff(), -E_PERM);
    expect("the kernel's benchmarks after privdrop", kbench(), -E_PERM);
    static struct pvlab_blkreq req;
    expect("raw block devices after privdrop", blkdev(BLKDEV_INFO, &req), -E_PERM);
    expect("domsvc after privdrop", (int)syscall5(SYS_domsvc, DOMSVC_SHUTDOWN, 1, 0, 0, 0),
           -E_PERM);
    printf("hostile: %s\n", failures ? "FAIL" : "PASS");
    return failures != 0;
}

/* Spawn sleepers until the kernel refuses; then end them all. */
static int bomb(void)
{
    static int pids[64];
    char *args[] = {"sleep", "30", NULL};
    int n = 0, rc = 0;
    while (n < 64 && (rc = spawn("/bin/sleep", args)) > 0)
        pids[n++] = rc;
    printf("hostile: bomb: %d spawned, then %d (%s)\n", n, rc, rc == -E_AGAIN ? "EAGAIN" : "?");
    for (int i = 0; i < n; i++)
        kill(pids[i], SIGKILL);
    for (int i = 0; i < n; i++)
        waitpid(pids[i], NULL, 0);
    printf("hostile: bomb: %s\n", rc == -E_AGAIN ? "PASS" : "FAIL");
    return rc != -E_AGAIN;
}

/*
 * Another process's memory: a child at the same address sees its own copy,
 * never ours (user mappings are private), and nothing else is mapped.
 */
static int other_process(void)
{
    char *args[] = {"hostile", "peek", NULL};
    secret = 0x5EC2E7;
    int status, pid = spawn("/bin/hostile", args);
    waitpid(pid, &status, 0);
    printf("hostile: other: our secret %x at %p; the child printed its own\n", secret,
           (void *)&secret);
    return 0;
}

int main(int argc, char **argv)
{
    const char *t = argc > 1 ? argv[1] : "";
    printf("hostile: %s\n", t);
    if (!strcmp(t, "peek")) {
        printf("hostile: peek sees %x\n", secret);
        return 0;
    }
    if (!strcmp(t, "kread"))
        printf("hostile: read %x\n", *(volatile uint32_t *)(KERNEL + 0x1000));
    else if (!strcmp(t, "kwrite"))
        *(volatile uint32_t *)(KERNEL + 0x1000) = 0;
    else if (!strcmp(t, "hvread"))
        printf("hostile: read %x\n", *(volatile uint32_t *)HV);
    else if (!strcmp(t, "hvwrite"))
        *(volatile uint32_t *)(HV + 0x100000) = 0;
    else if (!strcmp(t, "other"))
        return other_process();
    else if (!strcmp(t, "unmapped"))
        printf("hostile: read %x\n", *(volatile uint32_t *)UNMAPPED);
    else if (!strcmp(t, "cli"))
        __asm__ volatile("cli");
    else if (!strcmp(t, "hlt"))
        __asm__ volatile("hlt");
    else if (!strcmp(t, "int82"))
        __asm__ volatile("int $0x82" ::"a"(17), "b"(0), "c"(0));
    else if (!strcmp(t, "cr3"))
        __asm__ volatile("mov %%cr3, %%eax" ::: "eax");
    else if (!strcmp(t, "ioport")) /* the disk's status port, which dom0's kernel drives */
        __asm__ volatile("inb %%dx, %%al" ::"d"(0x1F7) : "eax");
    else if (!strcmp(t, "pointers"))
        return bad_pointers();
    else if (!strcmp(t, "bomb"))
        return bomb();
    else if (!strcmp(t, "privcmd"))
        return privcmd_abuse();
    else if (!strcmp(t, "kcmd")) /* the kernel runs no command lines any more */
        return printf("hostile: kernel command call %d\n", (int)syscall5(27, 0, 0, 0, 0, 0)), 0;
    else
        printf("usage: hostile "
               "kread|kwrite|hvread|hvwrite|other|unmapped|cli|hlt|int82|cr3|ioport|pointers|bomb|privcmd|"
               "kcmd\n");
    printf("hostile: survived (FAIL)\n");
    return 1;
}
