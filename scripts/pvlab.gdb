# pvlab.gdb - GDB's setup for `make gdb` (loaded with -x, never from ~/.gdbinit).
#
# The hypervisor's symbols are hv.elf's own (linked at 0xFC000000).  minios is
# linked at 0xC0000000 and runs there in dom0 and in every domU, so its symbols
# are added at its link addresses: a breakpoint in minios stops whichever
# domain runs the code (`pv-current` says which).  The pv-* commands come from
# scripts/pvlab-gdb.py.  The Makefile adds `target remote` with its port.
set pagination off
set confirm off
set architecture i386
file build/hv.elf
add-symbol-file build/minios.elf
source scripts/pvlab-gdb.py
echo pvlab: pv-domains, pv-current, pv-walk DOMID VA, pv-evtchn DOMID [PORT]\n
