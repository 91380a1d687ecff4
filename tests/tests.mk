# tests.mk - build the test guests and host unit tests (included from the
# top-level Makefile).  tests/run_tests.py runs them.

include tests/unit/unit.mk

tests-build: $(UNIT_TESTS)
include tests/fuzz/fuzz.mk
