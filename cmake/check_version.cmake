# Fails when include/apiauth/version.hpp disagrees with project(apiauth VERSION ...), or
# when CHANGELOG.md (if given) has no section for that version.
# version.hpp is checked in (so that add_subdirectory() users and people who copy include/
# get it without running CMake); this script, run by CTest, keeps the two in step.
#   cmake -DHEADER=<version.hpp> -DVERSION=<major.minor.patch> [-DCHANGELOG=<CHANGELOG.md>]
#         -P check_version.cmake
if(NOT HEADER OR NOT VERSION)
  message(FATAL_ERROR "usage: cmake -DHEADER=<version.hpp> -DVERSION=<x.y.z> -P check_version.cmake")
endif()
if(NOT VERSION MATCHES "^([0-9]+)\\.([0-9]+)\\.([0-9]+)$")
  message(FATAL_ERROR "project(VERSION) is '${VERSION}', not major.minor.patch")
endif()
set(expected_MAJOR ${CMAKE_MATCH_1})
set(expected_MINOR ${CMAKE_MATCH_2})
set(expected_PATCH ${CMAKE_MATCH_3})

file(STRINGS ${HEADER} lines REGEX "^#define APIAUTH_VERSION_(MAJOR|MINOR|PATCH) ")
set(problems "")
foreach(part MAJOR MINOR PATCH)
  set(found "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^#define APIAUTH_VERSION_${part} +([0-9]+) *$")
      set(found ${CMAKE_MATCH_1})
    endif()
  endforeach()
  if(found STREQUAL "")
    string(APPEND problems "  APIAUTH_VERSION_${part}: no '#define APIAUTH_VERSION_${part} <number>' line\n")
  elseif(NOT found EQUAL expected_${part})
    string(APPEND problems "  APIAUTH_VERSION_${part} is ${found}, project(VERSION) says ${expected_${part}}\n")
  endif()
  # fmt's convention, APIAUTH_VERSION = major * 10000 + minor * 100 + patch, needs two digits.
  if(part STREQUAL "MINOR" OR part STREQUAL "PATCH")
    if(expected_${part} GREATER 99)
      string(APPEND problems "  ${part} ${expected_${part}} does not fit APIAUTH_VERSION's two digits\n")
    endif()
  endif()
endforeach()

if(CHANGELOG)
  string(REPLACE "." "\\." version_re "${VERSION}")
  file(STRINGS ${CHANGELOG} release REGEX "^## \\[${version_re}\\]")
  if(NOT release)
    string(APPEND problems "  ${CHANGELOG} has no '## [${VERSION}] - <date>' section\n")
  endif()
endif()

if(problems)
  message(FATAL_ERROR "${HEADER} or CHANGELOG.md disagrees with project(apiauth VERSION ${VERSION}):\n${problems}"
                      "Edit the #define lines in version.hpp (and add the release to CHANGELOG.md).")
endif()
message(STATUS "version.hpp: ${VERSION}")
