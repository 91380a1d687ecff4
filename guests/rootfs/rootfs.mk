# rootfs.mk - build/disk.img, the lab's disk (included from the top-level
# Makefile): hda2 is dom0's ext2 root, hda1 the example domU's, both made by
# mke2fs -d (scripts/mkdisk.py) from the files listed here.
#
#   make disk       make build/disk.img again from scratch (what was written in pvlab is lost)
#   make fsck       e2fsck -fn on both partitions (after halt)
#   make lab-data   copy Debian's dbench client.txt into both partitions as /lab/client.txt
#   make fs-bench   the file-system figures (tests/fs_bench.py; make bench runs it too)
#
# The image is created once and kept between boots, as a disk is.  When
# Debian's dbench package is installed its client.txt goes in at creation
# (26 MB; it is never committed).

DISK_MIB   ?= 512
CLIENT_TXT := /usr/share/dbench/client.txt
LAB_FILES  := $(if $(wildcard $(CLIENT_TXT)),/lab/client.txt=$(CLIENT_TXT),/lab/)
DISK_COMMON := /boot/ /tmp/ /mnt/ /proc/ $(BIN_BOOTFS_FILES) $(LAB_FILES)
DISK_DOM0  := /README=guests/rootfs/README.dom0 $(DISK_COMMON) \
              $(foreach c,$(wildcard tools/xm-lite/etc/*.cfg),/etc/xm/$(notdir $(c))=$(c))
DISK_DOMU  := /README=guests/rootfs/README.domU $(DISK_COMMON)

$(B)/disk.img: | $(UBIN_ELFS)
	@mkdir -p $(B)
	$(Q)$(PYTHON) scripts/mkdisk.py --ext2 --size $(DISK_MIB) $@ --hda1 $(DISK_DOMU) \
	    --hda2 $(DISK_DOM0)

disk: $(UBIN_ELFS)
	@rm -f $(B)/disk.img
	@$(MAKE) --no-print-directory $(B)/disk.img

fsck: $(B)/disk.img
	$(PYTHON) scripts/mkdisk.py --fsck $(B)/disk.img

lab-data: $(B)/disk.img
	@test -f $(CLIENT_TXT) || { echo "lab-data: $(CLIENT_TXT) is missing: apt-get install dbench"; exit 1; }
	$(Q)$(PYTHON) scripts/mkdisk.py --add $(B)/disk.img 1 /lab/client.txt=$(CLIENT_TXT)
	$(Q)$(PYTHON) scripts/mkdisk.py --add $(B)/disk.img 2 /lab/client.txt=$(CLIENT_TXT)

fs-bench: all
	$(PYTHON) tests/fs_bench.py

.PHONY: disk fsck lab-data fs-bench
