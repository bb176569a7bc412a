# Builds a separate project against apiauth the ways people use it: from an install
# prefix with find_package(apiauth CONFIG REQUIRED), through add_subdirectory(), and
# from the same prefix with pkg-config (c++ -std=c++20 $(pkg-config --cflags apiauth)
# main.cpp $(pkg-config --libs apiauth)); then again from a prefix configured with
# APIAUTH_USE_EVP=ON, whose users must get APIAUTH_USE_EVP=1 from the package.
# Each consumer checks that the headers it compiled carry the version its build found.
# Run by CTest with -DSOURCE_DIR -DWORK_DIR -DCXX -DGENERATOR.
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endfunction()

# pkg_config(<out-var> <args>...): pkg-config's answer, as a list of arguments.
function(pkg_config var)
  execute_process(COMMAND ${PKG_CONFIG} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): pkg-config ${ARGN} (PKG_CONFIG_PATH=$ENV{PKG_CONFIG_PATH})\n${out}\n${err}")
  endif()
  separate_arguments(out UNIX_COMMAND "${out}")
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

# install_apiauth(<prefix> <cmake -D options>...): configure apiauth alone and install it.
function(install_apiauth prefix name)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/${name} -G ${GENERATOR}
      -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_INSTALL_PREFIX=${prefix}
      -DAPIAUTH_BUILD_TESTS=OFF -DAPIAUTH_BUILD_EXAMPLES=OFF ${ARGN})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/${name})
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/${name})
endfunction()

# consumer_cmake(<mode> <cmake -D options>...): configure, build and run tests/consumer/project.
function(consumer_cmake mode)
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer/project -B ${WORK_DIR}/${mode} -G ${GENERATOR}
      -DCMAKE_CXX_COMPILER=${CXX} ${ARGN})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/${mode})
  run(${WORK_DIR}/${mode}/consumer)
  message(STATUS "consumer via ${mode}: ok")
endfunction()

# consumer_pkg_config(<prefix> <mode> <expect-evp>): compile main.cpp with pkg-config's
# flags for the package in <prefix>, as a Makefile or a shell script would, and run it.
function(consumer_pkg_config prefix mode expect_evp)
  set(ENV{PKG_CONFIG_PATH} ${prefix}/share/pkgconfig)
  pkg_config(version --modversion apiauth)
  pkg_config(cflags --cflags apiauth)
  pkg_config(libs --libs apiauth)
  file(MAKE_DIRECTORY ${WORK_DIR}/${mode})
  run(${CXX} -std=c++20 ${cflags}
      -DAPIAUTH_CONSUMER_EXPECT_VERSION="${version}" -DAPIAUTH_CONSUMER_EXPECT_EVP=${expect_evp}
      ${SOURCE_DIR}/tests/consumer/project/main.cpp -o ${WORK_DIR}/${mode}/consumer ${libs})
  run(${WORK_DIR}/${mode}/consumer)
  list(JOIN cflags " " cflags)
  list(JOIN libs " " libs)
  message(STATUS "consumer via ${mode} (${cflags} ... ${libs}): ok")
endfunction()

find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
file(REMOVE_RECURSE ${WORK_DIR})

set(prefix ${WORK_DIR}/prefix)
install_apiauth(${prefix} apiauth)
consumer_cmake(package -DCMAKE_PREFIX_PATH=${prefix})
consumer_cmake(subdirectory -DAPIAUTH_SOURCE_DIR=${SOURCE_DIR})
consumer_pkg_config(${prefix} pkg-config 0)

# APIAUTH_USE_EVP=ON is a property of the installed package: the exported target and the
# .pc Cflags carry the definition, and apiauthConfig.cmake says so in apiauth_USE_EVP
# (tests/consumer/project passes it to main.cpp, which fails to compile on a mismatch).
set(prefix_evp ${WORK_DIR}/prefix-evp)
install_apiauth(${prefix_evp} apiauth-evp -DAPIAUTH_USE_EVP=ON)
consumer_cmake(package-evp -DCMAKE_PREFIX_PATH=${prefix_evp})
set(ENV{PKG_CONFIG_PATH} ${prefix_evp}/share/pkgconfig)
pkg_config(cflags_evp --cflags apiauth)
if(NOT "-DAPIAUTH_USE_EVP=1" IN_LIST cflags_evp)
  message(FATAL_ERROR "pkg-config --cflags apiauth of an APIAUTH_USE_EVP=ON package: '${cflags_evp}'")
endif()
list(JOIN cflags_evp " " cflags_evp)
message(STATUS "pkg-config --cflags of the EVP package (${cflags_evp}): ok")
