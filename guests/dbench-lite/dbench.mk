# dbench.mk - dbench-lite, pvlab's own dbench (guests/dbench-lite), included
# from the top-level Makefile.
#
#   build/host/dbench-lite    the Linux build: the portable core plus host.c
#
# The core (loadfile.c exec.c client.c report.c dbench.c) is plain C over
# struct dbl_os (dbench.h); only host.c knows Linux.  The unit tests compile
# the same core again (tests/unit/unit.mk).  docs/dbench.md tells how to run it.

DBL_DIR       := guests/dbench-lite
DBL_CORE      := loadfile exec client report dbench
DBL_HOST      := $(B)/host/dbench-lite
DBL_HOST_OBJS := $(patsubst %,$(B)/host/dbench-lite-obj/%.o,$(DBL_CORE) host)
DBL_HOST_CFLAGS := -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -MMD -MP

all: $(DBL_HOST)

$(DBL_HOST_OBJS): $(B)/host/dbench-lite-obj/%.o: $(DBL_DIR)/%.c | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(CC) $(DBL_HOST_CFLAGS) -c $< -o $@

$(DBL_HOST): $(DBL_HOST_OBJS)
	@echo "  HOSTLD  $@"
	$(Q)$(CC) -o $@ $^
