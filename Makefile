# Thin wrapper over CMake presets. `make` leaves the command line at build/ipcfault.
.PHONY: all deps check check-tsan check-asan demo bench clean
JOBS ?= 2

all: deps build/CMakeCache.txt
	@cmake --build build -j$(JOBS)

deps:
	@missing=$$(ci/install-deps --check) || { \
	  if [ "$$(id -u)" = 0 ]; then ci/install-deps; \
	  else echo "missing packages: $$missing — run: sudo apt-get update && sudo apt-get install -y $$missing" >&2; exit 1; fi; }

build/CMakeCache.txt:
	@cmake --preset dev >/dev/null

build-tsan/CMakeCache.txt:
	@cmake --preset tsan >/dev/null

build-asan/CMakeCache.txt:
	@cmake --preset asan >/dev/null

# All tests: criterion suite and CLI checks (ctest), then the catalog contract.
check: all
	@cd build && ctest --output-on-failure
	@IPCFAULT=build/ipcfault tests/catalog-check.sh

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
