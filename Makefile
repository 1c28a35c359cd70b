# Thin wrapper over CMake presets. `make` leaves the command line at build/ipcfault.
.PHONY: all deps check check-tsan check-asan demo bench clean
JOBS ?= 2

all: deps build/CMakeCache.txt
	@cmake --build build -j$(JOBS)

deps:
	@missing=$$(ci/install-deps --check) || { \
	  if [ "$$(id -u)" = 0 ]; then ci/install-deps; \
	  else echo "missing packages: $$missing — run: sudo apt-get update && sudo apt-get install -y $$missing" >&2; exit 1; fi; }

build/CMakeCache.txt: | deps
	@cmake --preset dev >/dev/null

build-tsan/CMakeCache.txt: | deps
	@cmake --preset tsan >/dev/null

build-asan/CMakeCache.txt: | deps
	@cmake --preset asan >/dev/null

# All tests: the criterion suite (scheduler, mechanisms, the catalog contract),
# the command-line tests (tests/sh) and the fuzz corpus replays, via ctest.
check: all
	@cd build && ctest --output-on-failure

check-tsan: deps build-tsan/CMakeCache.txt
	@cmake --build build-tsan -j$(JOBS)
	@cd build-tsan && ctest --output-on-failure

check-asan: deps build-asan/CMakeCache.txt
	@cmake --build build-asan -j$(JOBS)
	@cd build-asan && ctest --output-on-failure

demo: all
	@tests/demo.sh build/ipcfault

bench: all
	@build/ipcfault_bench

clean:
	rm -rf build build-tsan build-asan build-release build-fuzz

# ---- fuzzing (fuzz/, issue 6) ------------------------------------------------------
# fuzz-smoke: every harness under libFuzzer + ASan + UBSan for SMOKE_SECONDS
# each (two at a time), then the corpus and regression replay; fails on any
# crash. fuzz TARGET=name [SECONDS=n]: an AFL++ campaign (fuzz/afl.sh: -M main
# plus one -S secondary per further core; rerun to resume). fuzz-measure:
# executions to the first bug, random vs pct vs fuzzing (fuzz/measure.sh).
# fuzz-long: the same run for LONG_SECONDS (default 600: ten minutes) per
# harness, what it takes to meet bugs that need a million executions or a
# long life in one process (issue 12: a plan found after 4 minutes, memory
# growth); not for CI. Two at a time: about 40 minutes for the 10 harnesses.
.PHONY: fuzz-smoke fuzz-long fuzz fuzz-measure clean-fuzz
LONG_SECONDS ?= 600
# A harness whose RSS passes this fails the run (libFuzzer's -rss_limit_mb).
# ASan's quarantine alone may hold 256 MB by default: 64 MB here.
LONG_RSS_MB ?= 400
FUZZ_BUILD ?= build-fuzz
SMOKE_SECONDS ?= 15
SEEDS ?= 5

$(FUZZ_BUILD)/CMakeCache.txt:
	@cmake --preset fuzz -B $(FUZZ_BUILD) >/dev/null

fuzz-smoke: deps $(FUZZ_BUILD)/CMakeCache.txt
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_all
	@SMOKE_SECONDS=$(SMOKE_SECONDS) fuzz/smoke.sh $(FUZZ_BUILD)

fuzz-long: deps $(FUZZ_BUILD)/CMakeCache.txt
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_all
	@ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:quarantine_size_mb=64} SMOKE_RSS_MB=$(LONG_RSS_MB) \
	  SMOKE_SECONDS=$(LONG_SECONDS) fuzz/smoke.sh $(FUZZ_BUILD)

fuzz: deps
	@[ -n "$(TARGET)" ] || { echo "usage: make fuzz TARGET=fuzz_plan|fuzz_schedule|fuzz_frame|fuzz_results|fuzz_sched_FAMILY [SECONDS=N]" >&2; exit 2; }
	@fuzz/afl.sh $(TARGET) $(or $(SECONDS),0)

fuzz-measure: all $(FUZZ_BUILD)/CMakeCache.txt
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_all
	@fuzz/measure.sh build/ipcfault $(FUZZ_BUILD) $(SEEDS)

clean-fuzz:
	rm -rf build-fuzz build-afl
