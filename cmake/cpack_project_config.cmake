# Run by cpack for each generator (CPACK_PROJECT_CONFIG_FILE, set in cmake/packaging.cmake).
# A Debian package owns /usr, never /usr/local, and apiauth.pc names the prefix the build
# tree was configured with; so a .deb is made only from a tree configured with
# -DCMAKE_INSTALL_PREFIX=/usr, and into that same prefix.
if(CPACK_GENERATOR STREQUAL "DEB")
  if(NOT CPACK_APIAUTH_CONFIGURED_PREFIX STREQUAL "/usr"
     OR NOT CPACK_PACKAGING_INSTALL_PREFIX STREQUAL CPACK_APIAUTH_CONFIGURED_PREFIX)
    message(FATAL_ERROR
        "apiauth: a .deb installs into /usr: configure this build tree with "
        "-DCMAKE_INSTALL_PREFIX=/usr (it is ${CPACK_APIAUTH_CONFIGURED_PREFIX}; packaging "
        "prefix ${CPACK_PACKAGING_INSTALL_PREFIX}), so that apiauth.pc says /usr too.")
  endif()
endif()
