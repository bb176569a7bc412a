# CPack: `cpack -G DEB` in a build tree configured with -DCMAKE_INSTALL_PREFIX=/usr makes
# apiauth_<version>_<arch>.deb with what `cmake --install` installs: the headers, the CMake
# package, apiauth.pc, the docs and, when the examples are built, the `apiauth` CLI.
# tests/package/deb_test.sh builds it, looks inside, installs or extracts it and builds a
# consumer against it.
#
# One package, named apiauth. With the CLI inside it is architecture-specific (amd64 here)
# and dpkg-shlibdeps computes the CLI's run-time Depends; without the CLI (examples off) it
# holds only architecture-independent files and is Architecture: all. Either way the
# headers need their dependencies' -dev packages.

set(APIAUTH_PACKAGE_MAINTAINER "apiauth maintainers <apiauth@invalid>"
    CACHE STRING "Maintainer field of the packages CPack makes: Name <email>")

set(CPACK_PACKAGE_NAME apiauth)
set(CPACK_PACKAGE_VENDOR apiauth)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "${APIAUTH_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_CHECKSUM SHA256)
set(CPACK_STRIP_FILES ON)
# The package's files live where the configured prefix says, as apiauth.pc does.
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
# Read by cmake/cpack_project_config.cmake when cpack runs.
set(CPACK_APIAUTH_CONFIGURED_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_PROJECT_CONFIG_FILE "${CMAKE_CURRENT_LIST_DIR}/cpack_project_config.cmake")

find_program(APIAUTH_DPKG_DEB dpkg-deb)
mark_as_advanced(APIAUTH_DPKG_DEB)
if(APIAUTH_DPKG_DEB)
  set(CPACK_GENERATOR DEB)
else()
  set(CPACK_GENERATOR TGZ)
endif()

# Debian: apiauth_<version>_<arch>.deb.
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "apiauth parses and verifies Authorization headers (Basic, Bearer, RFC 9110),
writes and parses WWW-Authenticate challenges, signs and verifies JWS/JWT with
keys from secrets, PEM and JWK(S), and generates and verifies API keys. It does
no I/O. The headers need C++20; find_package(apiauth CONFIG) or
pkg-config apiauth finds them.")
if(TARGET apiauth_cli)
  string(APPEND CPACK_DEBIAN_PACKAGE_DESCRIPTION "
The package also holds the apiauth command-line tool.")
endif()
# What compiling against the headers needs (apiauthConfig.cmake and apiauth.pc find these).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libssl-dev (>= 3.0), nlohmann-json3-dev (>= 3.10), libsimdjson-dev, libboost-url1.81-dev")
# The optional headers: stores/redis.hpp (hiredis), stores/postgres.hpp (libpq), the adapters.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libhiredis-dev, libpq-dev, libcpp-httplib-dev, libboost1.81-dev")
if(TARGET apiauth_cli)
  # The CLI's shared libraries (libssl3, libsimdjson14, libboost-url1.81.0, libstdc++6 ...),
  # added to the Depends above by dpkg-shlibdeps.
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE all)
endif()

include(CPack)
