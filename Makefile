# phonetrust - a thin front for CMake.  `make demo` and `make check` install
# what is missing (scripts/install-deps.sh) and need nothing else.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30

.PHONY: all deps build demo check test asan fuzz bench mutate clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

demo: deps build
	@./scripts/demo.sh $(BUILD)/phonetrust

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPT_SANITIZE=ON

asan: deps $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

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
	./bench/storm.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build-mutate
