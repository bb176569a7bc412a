# Runs one OAuth 2.0 interop script (cmake -P): -DMODE=python|node -DSERVER=<apiauth_oauth2_server>
# -DSOURCE_DIR=<tests/interop> [-DWORK_DIR=<build dir for node_modules>]. The script starts the
# server itself. A missing peer is a failure that says what to install, never a skip.

if(NOT SERVER OR NOT EXISTS "${SERVER}")
  message(FATAL_ERROR "interop (oauth2): the server was not built: cpp-httplib was not found by pkg-config "
                      "(install the Debian packages libcpp-httplib-dev pkg-config: ./dev deps does), then configure again")
endif()

if(MODE STREQUAL "python")
  set(python /usr/bin/python3)  # Debian's python, where the Debian packages live (not a pyenv python on PATH)
  if(NOT EXISTS ${python})
    message(FATAL_ERROR "interop (oauth2): ${python} is missing: install the Debian packages python3 "
                        "python3-requests python3-requests-oauthlib python3-jwt python3-cryptography (./dev deps does)")
  endif()
  execute_process(COMMAND ${python} -c "import requests, requests_oauthlib, oauthlib, jwt, cryptography"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "interop (oauth2): a Python peer is not importable by ${python}: install the Debian packages "
                        "python3-requests python3-requests-oauthlib python3-jwt python3-cryptography "
                        "(./dev deps does)\n${err}")
  endif()
  find_program(curl NAMES curl)
  if(NOT curl)
    message(FATAL_ERROR "interop (oauth2): curl is missing: install the Debian package curl (./dev deps does)")
  endif()
  execute_process(COMMAND ${python} ${SOURCE_DIR}/oauth2_interop.py ${SERVER} --curl ${curl} RESULT_VARIABLE rc)
elseif(MODE STREQUAL "node")
  find_program(node NAMES node nodejs)
  find_program(npm NAMES npm)
  if(NOT node OR NOT npm)
    message(FATAL_ERROR "interop (oauth2): node and npm are needed (found node='${node}', npm='${npm}'): install "
                        "Node.js 20 with npm (./dev deps does)")
  endif()
  file(MAKE_DIRECTORY ${WORK_DIR})
  foreach(f package.json package-lock.json oauth2_oauth4webapi.mjs)
    configure_file(${SOURCE_DIR}/${f} ${WORK_DIR}/${f} COPYONLY)
  endforeach()
  # npm ci again only when the lock file changed since the last successful install.
  set(stamp ${WORK_DIR}/node_modules/.apiauth-installed-lock.json)
  set(installed "")
  if(EXISTS ${stamp})
    file(READ ${stamp} installed)
  endif()
  file(READ ${WORK_DIR}/package-lock.json wanted)
  if(NOT installed STREQUAL wanted)
    execute_process(COMMAND ${npm} ci --ignore-scripts --no-audit --no-fund
                    WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "interop (oauth2): 'npm ci --ignore-scripts' failed in ${WORK_DIR} "
                          "(is the npm registry reachable? ./dev deps installs node and npm)")
    endif()
    configure_file(${WORK_DIR}/package-lock.json ${stamp} COPYONLY)
  endif()
  execute_process(COMMAND ${node} ${WORK_DIR}/oauth2_oauth4webapi.mjs ${SERVER}
                  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
else()
  message(FATAL_ERROR "oauth2_run.cmake: MODE must be python or node")
endif()

if(NOT rc EQUAL 0)
  message(FATAL_ERROR "interop (oauth2, ${MODE}): failed (exit status ${rc})")
endif()
