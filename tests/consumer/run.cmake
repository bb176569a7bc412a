# Builds a separate project against apiauth twice: from an install prefix
# (find_package(apiauth CONFIG REQUIRED)) and through add_subdirectory().
# Run by CTest with -DSOURCE_DIR -DWORK_DIR -DCXX -DGENERATOR.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/apiauth -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_INSTALL_PREFIX=${prefix}
    -DAPIAUTH_BUILD_TESTS=OFF -DAPIAUTH_BUILD_EXAMPLES=OFF)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/apiauth)
run(${CMAKE_COMMAND} --install ${WORK_DIR}/apiauth)

foreach(mode package subdirectory)
  if(mode STREQUAL "package")
    set(extra -DCMAKE_PREFIX_PATH=${prefix})
  else()
    set(extra -DAPIAUTH_SOURCE_DIR=${SOURCE_DIR})
  endif()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer/project -B ${WORK_DIR}/${mode} -G ${GENERATOR}
      -DCMAKE_CXX_COMPILER=${CXX} ${extra})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/${mode})
  run(${WORK_DIR}/${mode}/consumer)
  message(STATUS "consumer via ${mode}: ok")
endforeach()
