# phonetrust - a thin front for CMake.  `make demo` and `make check` install
# what is missing (scripts/install-deps.sh) and need nothing else.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# tests wait on sockets and timers much of their time: twice as many as cores
TEST_JOBS  ?= $(shell echo $$(( $(JOBS) * 2 )))
FUZZ_SECONDS ?= 30

PREFIX     ?= /usr/local
DESTDIR    ?=

.PHONY: all deps build demo check test asan fuzz bench mutate install deb clean man

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

demo: deps build
	@./scripts/demo.sh $(BUILD)/phonetrust

# the tests (and cmocka, for the unit tests) only here: `make` builds the command alone
test: $(BUILD)/Makefile
	cmake -S . -B $(BUILD) -DPT_TESTS=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS)

$(ASAN_BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON -DPT_TESTS=ON

asan: deps $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(TEST_JOBS)

# Every test, in the normal build and again under ASan + UBSan.
check: deps
	$(MAKE) test
	$(MAKE) asan

$(FUZZ_BUILD)/Makefile: CMakeLists.txt
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPT_FUZZ=ON

fuzz: deps $(FUZZ_BUILD)/Makefile
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(shell sed -n 's/^\([a-z_]*\) .*/fuzz_\1/p' fuzz/targets.txt)
	./fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# Plants each mutant of tests/mutate/mutants.txt in a scratch copy
# (build-mutate/), runs the tests it names, and says KILLED or SURVIVED.
# MUTANTS="name ..." runs only those.
mutate: deps
	python3 tests/mutate/mutate.py $(MUTANTS)

bench: deps build
	./bench/run.sh $(BUILD)
	./bench/services.sh $(BUILD)
	./bench/workers.sh $(BUILD)
	./bench/capf.sh $(BUILD)
	./bench/storm.sh $(BUILD)
	./bench/bulk.sh $(BUILD)

# the command, phonetrust(1), phonetrust-serve(8), phonetrust.service, bash
# completion under PREFIX (default /usr/local), inside DESTDIR when given
install: $(BUILD)/Makefile
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	cmake --build $(BUILD) -j $(JOBS) --target phonetrust-cli
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD)

# a Debian package, phonetrust_VERSION_ARCH.deb here, built by
# dpkg-buildpackage from debian/ in a copy of the tree (build-deb/), then lintian
deb: deps
	./scripts/make-deb.sh build-deb

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-mutate build-deb

# phonetrust(1)'s command reference, written from the command table
# (src/cli/commands.c); t98d fails when it was not rerun after a change.
man: build
	scripts/man-commands.sh $(BUILD)/phonetrust man/phonetrust.1
