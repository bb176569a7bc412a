# For each set of x86 flags: the builtin implementation that simdjson.h alone chooses (read from
# its macros), then simdjson_builtin.cpp compiled with apiauth's detail/simdjson.hpp included first
# and that choice expected (a static_assert). With the default flags the program is also linked
# and run (DOM and On-Demand parse). Only compiled for the others: this machine's CPU need not run
# AVX-512 code. Run by CTest with -DSOURCE_DIR -DWORK_DIR -DCXX -DFLAGS.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
set(cxx ${CXX} -std=c++20 -I${SOURCE_DIR}/include ${flags})
file(WRITE ${WORK_DIR}/plain.cpp "#include <simdjson.h>\n")

foreach(set "none" "-msse4.2 -mpclmul" "-march=haswell" "-march=icelake-server")
  if(set STREQUAL "none")
    set(arch)
  else()
    separate_arguments(arch UNIX_COMMAND "${set}")
  endif()
  execute_process(COMMAND ${cxx} ${arch} -E -dM ${WORK_DIR}/plain.cpp
                  RESULT_VARIABLE rc OUTPUT_VARIABLE macros ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "simdjson.h alone (${set}) failed:\n${err}")
  endif()
  string(REGEX MATCH "#define SIMDJSON_BUILTIN_IMPLEMENTATION ([a-z0-9]+)" found "${macros}")
  if(NOT found)
    message(FATAL_ERROR "no SIMDJSON_BUILTIN_IMPLEMENTATION in simdjson.h (${set})")
  endif()
  set(expected ${CMAKE_MATCH_1})
  if(set STREQUAL "none")
    execute_process(COMMAND ${cxx} -DAPIAUTH_EXPECTED_BUILTIN=${expected} -DAPIAUTH_RUN
                            ${SOURCE_DIR}/tests/abi/simdjson_builtin.cpp -lsimdjson -o ${WORK_DIR}/run
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "with apiauth first (${set}, builtin ${expected}) it failed to build:\n${err}")
    endif()
    execute_process(COMMAND ${WORK_DIR}/run RESULT_VARIABLE run_rc)
    if(NOT run_rc EQUAL 0)
      message(FATAL_ERROR "with apiauth first, parsing failed (${run_rc})")
    endif()
  else()
    execute_process(COMMAND ${cxx} ${arch} -DAPIAUTH_EXPECTED_BUILTIN=${expected} -c
                            ${SOURCE_DIR}/tests/abi/simdjson_builtin.cpp -o ${WORK_DIR}/builtin.o
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "with apiauth first (${set}), the builtin is not ${expected}:\n${err}")
    endif()
  endif()
  message(STATUS "${set}: builtin ${expected}, the same with apiauth first")
endforeach()
