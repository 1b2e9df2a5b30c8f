# \file Helpers so every module library and test is declared the same way.
# -Wno-restrict: GCC 12 false positives inside std::string (GCC bug 105329).
set(WORLDTUNE_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-restrict)

# worldtune_add_library(name SOURCES ... DEPS ...)
function(worldtune_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${WORLDTUNE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# worldtune_add_test(name SOURCES ... DEPS ... LABEL unit|integration)
function(worldtune_add_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${WORLDTUNE_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest_main)
  # Tests that measure start the worker executables.
  add_dependencies(${name} worldtune-workers)
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} DISCOVERY_TIMEOUT 60
                       TEST_PREFIX "${name}.")
endfunction()
