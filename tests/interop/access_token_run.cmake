# Runs one RFC 9068 access token interop script (cmake -P): -DMODE=pyjwt|node
# -DTOOL=<access_token_tool> -DSOURCE_DIR=<tests/interop> [-DWORK_DIR=<build dir for node_modules>].
# A missing peer is a failure that says what to install, never a skip.

if(NOT TOOL OR NOT EXISTS "${TOOL}")
  message(FATAL_ERROR "interop (access tokens): the tool '${TOOL}' was not built")
endif()

if(MODE STREQUAL "pyjwt")
  set(python /usr/bin/python3)  # Debian's python, where python3-jwt lives (not a pyenv python on PATH)
  if(NOT EXISTS ${python})
    message(FATAL_ERROR "interop (access tokens): ${python} is missing: install the Debian packages python3 "
                        "python3-jwt python3-cryptography (./dev deps does)")
  endif()
  execute_process(COMMAND ${python} -c "import jwt, cryptography" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "interop (access tokens): PyJWT is not importable by ${python}: install the Debian "
                        "packages python3-jwt python3-cryptography (./dev deps does)\n${err}")
  endif()
  execute_process(COMMAND ${python} ${SOURCE_DIR}/access_token_pyjwt.py ${TOOL} RESULT_VARIABLE rc)
elseif(MODE STREQUAL "node")
  find_program(node NAMES node nodejs)
  find_program(npm NAMES npm)
  if(NOT node OR NOT npm)
    message(FATAL_ERROR "interop (access tokens): node and npm are needed (found node='${node}', npm='${npm}'): "
                        "install Node.js 20 with npm (./dev deps does)")
  endif()
  file(MAKE_DIRECTORY ${WORK_DIR})
  foreach(f package.json package-lock.json access_token_jose.mjs)
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
      message(FATAL_ERROR "interop (access tokens): 'npm ci --ignore-scripts' failed in ${WORK_DIR} "
                          "(is the npm registry reachable? ./dev deps installs node and npm)")
    endif()
    configure_file(${WORK_DIR}/package-lock.json ${stamp} COPYONLY)
  endif()
  execute_process(COMMAND ${node} ${WORK_DIR}/access_token_jose.mjs ${TOOL}
                  WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
else()
  message(FATAL_ERROR "access_token_run.cmake: MODE must be pyjwt or node")
endif()

if(NOT rc EQUAL 0)
  message(FATAL_ERROR "interop (access tokens, ${MODE}): failed (exit status ${rc})")
endif()
