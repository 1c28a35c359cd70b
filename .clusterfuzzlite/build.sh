#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every harness of fuzz/ into $OUT, linked
# with $LIB_FUZZING_ENGINE (CMakeLists.txt picks it up), with its seed
# corpus (NAME_seed_corpus.zip), dictionary (NAME.dict) and options.
# The schedule harnesses fuzz the ok scenarios of their family only (a
# reference mechanism must survive every schedule and fault; the bug
# scenarios would be "found" at once): ClusterFuzzLite cannot set the
# environment, so IPF_FUZZ_EXPECT=ok is compiled in as the default.
cd "$SRC/ipcfault"
b="${WORK:-/tmp}/build-cflite"
engine="$LIB_FUZZING_ENGINE"
# AFL++ and honggfuzz engines are C++ archives: the C link needs the C++ runtime
case "$engine" in *.a) engine="$engine -lc++ -lpthread" ;; esac
cmake -S . -B "$b" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS -DIPF_FUZZ_DEFAULT_EXPECT_OK=1" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIPF_TESTS=OFF -DIPF_WERROR=OFF -DIPF_FUZZ_ENGINE_FLAGS="$engine"
cmake --build "$b" -j"$(nproc)" --target fuzz_all
for f in "$b"/fuzz_*; do
  [ -x "$f" ] && [ -f "$f" ] || continue
  n=$(basename "$f")
  cp "$f" "$OUT/"
  if [ -d "fuzz/corpus/$n" ]; then (cd "fuzz/corpus/$n" && zip -q -r "$OUT/${n}_seed_corpus.zip" .); fi
  [ -f "fuzz/dict/$n.dict" ] && cp "fuzz/dict/$n.dict" "$OUT/$n.dict"
  case $n in
    fuzz_sched_*) printf '[libfuzzer]\nmax_len = 1024\nlen_control = 0\ntimeout = 10\n' >"$OUT/$n.options" ;;
    *) printf '[libfuzzer]\nmax_len = 4096\n' >"$OUT/$n.options" ;;
  esac
done
