# ipcfault_add_scenarios: one ctest test per scenario of a scenario binary,
# in the manner of gtest_discover_tests (GoogleTest module).
#
#   ipcfault_add_scenarios(TARGET
#     [RUNS N]               explore's budget per scenario (default 1000)
#     [STRATEGY random|pct|rr]
#     [TEST_PREFIX prefix]   test names are PREFIX + scenario name
#     [EXTRA_ARGS args...]   more explore options (--depth 4, --plan none, ...)
#     [PROPERTIES name value ...]   set on every test (TIMEOUT 300, LABELS ...)
#     [DISCOVERY_TIMEOUT sec])      for `TARGET list --json` (default 60)
#
# TARGET links ipcfault::ipcfault_main. After each build, `TARGET list --json`
# names its scenarios (so scenarios added later need no CMake change); each
# becomes a test `TARGET explore SCENARIO --runs N ...`. A scenario that
# expects a bug passes when explore finds one ("BUG in" in its output); any
# other passes when explore exits 0. Tests carry the labels ipcfault and
# expect-ok / expect-bug / expect-tsan.
set(_IPCFAULT_DISCOVER_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/ipcfaultScenariosDiscover.cmake")

function(ipcfault_add_scenarios target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "RUNS;STRATEGY;TEST_PREFIX;DISCOVERY_TIMEOUT" "EXTRA_ARGS;PROPERTIES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ipcfault_add_scenarios: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "ipcfault_add_scenarios: ${target} is not a target")
  endif()
  if(NOT arg_RUNS)
    set(arg_RUNS 1000)
  endif()
  if(NOT arg_RUNS MATCHES "^[1-9][0-9]*$")
    message(FATAL_ERROR "ipcfault_add_scenarios: RUNS ${arg_RUNS} is not a positive whole number")
  endif()
  if(NOT arg_DISCOVERY_TIMEOUT)
    set(arg_DISCOVERY_TIMEOUT 60)
  endif()
  set(args --runs ${arg_RUNS})
  if(arg_STRATEGY)
    list(APPEND args --strategy ${arg_STRATEGY})
  endif()
  list(APPEND args ${arg_EXTRA_ARGS})
  set(base "${CMAKE_CURRENT_BINARY_DIR}/${target}")
  set(tests_file "${base}_ipcfault_tests.cmake")
  set(include_file "${base}_ipcfault_include.cmake")
  # the lists travel as one -D value each; "|" never appears in an option
  string(REPLACE ";" "|" args_joined "${args}")
  string(REPLACE ";" "|" props_joined "${arg_PROPERTIES}")
  add_custom_command(TARGET ${target} POST_BUILD
    BYPRODUCTS "${tests_file}"
    COMMAND "${CMAKE_COMMAND}"
      -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>"
      -D "TEST_TARGET=${target}"
      -D "TEST_ARGS=${args_joined}"
      -D "TEST_PROPERTIES=${props_joined}"
      -D "TEST_PREFIX=${arg_TEST_PREFIX}"
      -D "CTEST_FILE=${tests_file}"
      -D "DISCOVERY_TIMEOUT=${arg_DISCOVERY_TIMEOUT}"
      -P "${_IPCFAULT_DISCOVER_SCRIPT}"
    VERBATIM)
  file(WRITE "${include_file}"
    "if(EXISTS \"${tests_file}\")\n"
    "  include(\"${tests_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
