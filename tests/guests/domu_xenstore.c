/*
 * domu_xenstore - a domU may write only under its own /local/domain/<id>:
 * writing, creating or removing dom0's or another domain's nodes is refused
 * (EACCES), and so is reading dom0's private nodes; its own nodes work.
 */
#include "xtf.h"
#include <public/io/xs_wire.h>

const char test_title[] = "a domU cannot write another domain's xenstore keys";

static void expect_error(int rc, const char *reply, const char *want, const char *what)
{
    if (rc >= 0)
        xtf_failure("%s was accepted", what);
    else if (strcmp(reply, want))
        xtf_failure("%s: error %s, expected %s", what, reply, want);
}

void test_main(void)
{
    char reply[64], path[64];
    domid_t self = my_domid();
    if (self == 0)
        return xtf_failure("cannot read our domid from the xenstore");
    int rc = xenbus_request(XS_WRITE, "/local/domain/0/name", "evil", 4, reply, sizeof(reply));
    expect_error(rc, reply, "EACCES", "writing dom0's name");
    rc = xenbus_request(XS_MKDIR, "/local/domain/0/mine", NULL, 0, reply, sizeof(reply));
    expect_error(rc, reply, "EACCES", "mkdir under dom0");
    rc = xenbus_request(XS_RM, "/local/domain/0", NULL, 0, reply, sizeof(reply));
    expect_error(rc, reply, "EACCES", "removing dom0's directory");
    rc = xenbus_request(XS_READ, "/local/domain/0/name", NULL, 0, reply, sizeof(reply));
    expect_error(rc, reply, "EACCES", "reading dom0's name");
    for (domid_t d = 1; d < 10; d++) {
        if (d == self)
            continue;
        snprintf(path, sizeof(path), "/local/domain/%u/stolen", d);
        rc = xenbus_request(XS_WRITE, path, "x", 1, reply, sizeof(reply));
        if (rc >= 0)
            xtf_failure("wrote %s", path);
    }
    rc = xenbus_request(XS_WRITE, "/tool/evil", "x", 1, reply, sizeof(reply));
    expect_error(rc, reply, "EACCES", "writing /tool");
    if (xenbus_write("data/greeting", "hello"))
        xtf_failure("writing our own data/greeting failed");
    if (xenbus_read("data/greeting", reply, sizeof(reply)) != 5 || strcmp(reply, "hello"))
        xtf_failure("reading data/greeting back gave '%s'", reply);
}
