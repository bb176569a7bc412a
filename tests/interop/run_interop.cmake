# Runs one interop script (cmake -P): -DMODE=pyjwt|node -DTOOL=<tool> -DSOURCE_DIR=<tests/interop>
# [-DSCRIPT=<script in SOURCE_DIR>] [-DWORK_DIR=<build dir for node_modules>]. The script is run
# with the tool as its argument; SCRIPT defaults to pyjwt_interop.py (pyjwt) or jose_interop.mjs
# (node). A missing peer is a failure that says what to install.

if(NOT SCRIPT)
  if(MODE STREQUAL "pyjwt")
    set(SCRIPT pyjwt_interop.py)
  else()
    set(SCRIPT jose_interop.mjs)
  endif()
endif()

if(MODE STREQUAL "pyjwt")
  set(python /usr/bin/python3)  # Debian's python, where python3-jwt lives (not a pyenv python on PATH)
  if(NOT EXISTS ${python})
    message(FATAL_ERROR "interop: ${python} is missing: install the Debian packages python3 python3-jwt "
                        "python3-cryptography (./dev deps does)")
  endif()
  execute_process(COMMAND ${python} -c "import jwt, cryptography" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "interop: PyJWT is not importable by ${python}: install the Debian packages "
                        "python3-jwt python3-cryptography (./dev deps does)\n${err}")
  endif()
  execute_process(COMMAND ${python} ${SOURCE_DIR}/${SCRIPT} ${TOOL} RESULT_VARIABLE rc)
elseif(MODE STREQUAL "node")
  find_program(node NAMES node nodejs)
  find_program(npm NAMES npm)
  if(NOT node OR NOT npm)
    message(FATAL_ERROR "interop: node and npm are needed (found node='${node}', npm='${npm}'): install "
                        "Node.js 20 with npm (./dev deps does)")
  endif()
  file(MAKE_DIRECTORY ${WORK_DIR})
  foreach(f package.json package-lock.json ${SCRIPT})
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
      message(FATAL_ERROR "interop: 'npm ci --ignore-scripts' failed in ${WORK_DIR} (is the npm registry reachable?)")
    endif()
    configure_file(${WORK_DIR}/package-lock.json ${stamp} COPYONLY)
  endif()
  execute_process(COMMAND ${node} ${WORK_DIR}/${SCRIPT} ${TOOL} WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc)
else()
  message(FATAL_ERROR "run_interop.cmake: MODE must be pyjwt or node")
endif()

if(NOT rc EQUAL 0)
  message(FATAL_ERROR "interop (${MODE}, ${SCRIPT}): failed (exit status ${rc})")
endif()
