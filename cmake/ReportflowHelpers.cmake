# Small helpers that keep every component's CMakeLists.txt to a few lines.
#
#   reportflow_cc_library(NAME SRCS ... DEPS ...)
#       -> static library reportflow_<name> plus alias reportflow::<name>,
#          include root = repository root (so includes read "common/base/status.h").
#   reportflow_cc_binary(NAME SRCS ... DEPS ...)
#       -> executable <name> in build/bin, linked with jemalloc.
#   reportflow_cc_test(NAME SRCS ... DEPS ... [LABELS ...] [TIMEOUT seconds])
#       -> GoogleTest executable registered with gtest_discover_tests.

# -Wno-restrict: GCC 12 reports false positives inside libstdc++ string code at -O3 (GCC bug 105329).
set(REPORTFLOW_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-restrict)
if(REPORTFLOW_WERROR)
  list(APPEND REPORTFLOW_WARNINGS -Werror)
endif()

function(reportflow_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(reportflow_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(reportflow::${ARG_NAME} ALIAS reportflow_${ARG_NAME})
  target_include_directories(reportflow_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(reportflow_${ARG_NAME} PRIVATE ${REPORTFLOW_WARNINGS})
  target_link_libraries(reportflow_${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

# HUGE_PAGES: the executable's heap on transparent huge pages (malloc_conf.cc).
function(reportflow_cc_binary)
  cmake_parse_arguments(ARG "HUGE_PAGES" "NAME" "SRCS;DEPS" ${ARGN})
  if(REPORTFLOW_FUZZ)
    # AddressSanitizer brings its own allocator: no jemalloc in sanitizer builds.
    add_executable(${ARG_NAME} ${ARG_SRCS})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  else()
    add_executable(${ARG_NAME} ${ARG_SRCS} ${PROJECT_SOURCE_DIR}/common/base/malloc_conf.cc)
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} PkgConfig::JEMALLOC)
    if(ARG_HUGE_PAGES)
      target_compile_definitions(${ARG_NAME} PRIVATE REPORTFLOW_HEAP_HUGE_PAGES=1)
    endif()
  endif()
  target_compile_options(${ARG_NAME} PRIVATE ${REPORTFLOW_WARNINGS})
endfunction()

function(reportflow_cc_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${ARG_NAME} PRIVATE ${REPORTFLOW_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} reportflow::testing GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # One label per test target: gtest_discover_tests cannot carry a list here.
  list(LENGTH ARG_LABELS rf_label_count)
  if(rf_label_count GREATER 1)
    message(FATAL_ERROR "reportflow_cc_test(${ARG_NAME}): give one label, not ${ARG_LABELS}")
  endif()
  # Tests run in the source dir (SourceDir() falls back to the cwd) and find
  # the executables through REPORTFLOW_BIN_DIR. One variable only: a ';' would
  # split the property list.
  set(timeout_property)
  if(ARG_TIMEOUT)
    set(timeout_property TIMEOUT ${ARG_TIMEOUT})
  endif()
  gtest_discover_tests(${ARG_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" ${timeout_property}
               ENVIRONMENT "REPORTFLOW_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
    DISCOVERY_TIMEOUT 60)
endfunction()
