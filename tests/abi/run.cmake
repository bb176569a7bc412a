# Two translation units built with different APIAUTH_USE_EVP choices must fail to link instead of
# sharing an hmac_key whose layout differs (an ODR violation that would misbehave at run time);
# built alike, they link and run. Run by CTest with -DSOURCE_DIR -DWORK_DIR -DCXX -DFLAGS.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
separate_arguments(flags UNIX_COMMAND "${FLAGS}")
set(cxx ${CXX} -std=c++20 -I${SOURCE_DIR}/include ${flags})

function(compile src obj)
  execute_process(COMMAND ${cxx} ${ARGN} -c ${SOURCE_DIR}/tests/abi/${src} -o ${WORK_DIR}/${obj}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "compiling ${src} ${ARGN} failed:\n${err}")
  endif()
endfunction()

compile(provider.cpp provider_default.o)
compile(provider.cpp provider_evp.o -DAPIAUTH_USE_EVP=1)
compile(user.cpp user_default.o)

foreach(provider default evp)
  execute_process(COMMAND ${cxx} ${WORK_DIR}/user_default.o ${WORK_DIR}/provider_${provider}.o -lcrypto
                          -o ${WORK_DIR}/user_${provider}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(provider STREQUAL "default")
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "built alike, the two halves must link:\n${err}")
    endif()
    execute_process(COMMAND ${WORK_DIR}/user_default RESULT_VARIABLE run_rc)
    if(NOT run_rc EQUAL 0)
      message(FATAL_ERROR "built alike, the program must run (${run_rc})")
    endif()
  else()
    if(rc EQUAL 0)
      message(FATAL_ERROR "a default-built user linked against an APIAUTH_USE_EVP-built provider: "
                          "the inline ABI namespace does not tell the two builds apart")
    endif()
    string(FIND "${err}" "mac_size" named)
    if(named EQUAL -1)
      message(FATAL_ERROR "the link failed, but not on an ABI-namespaced symbol:\n${err}")
    endif()
    message(STATUS "mixed builds refused at link time, as they must be")
  endif()
endforeach()
