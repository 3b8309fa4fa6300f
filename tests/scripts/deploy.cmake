# Checks of deploy/ that need no Docker engine and no cluster (tests/scripts/check_deploy.py says
# what each one verifies). Debian's python3 with python3-yaml runs them.
find_program(COSTBOT_DEPLOY_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT COSTBOT_DEPLOY_PYTHON)
  find_program(COSTBOT_DEPLOY_PYTHON NAMES python3 REQUIRED)
endif()
foreach(check manifests dockerfile compose kubernetes runtime-deps systemd slack teams healthcheck unprivileged serve)
  add_test(NAME "script: deploy ${check}"
           COMMAND ${COSTBOT_DEPLOY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/check_deploy.py ${check}
                   --repo ${CMAKE_SOURCE_DIR} --binary $<TARGET_FILE:costbot> --build-dir ${CMAKE_BINARY_DIR}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties("script: deploy ${check}" PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120 LABELS deploy)
endforeach()

# The app manifests against their publishers' own definitions: Microsoft's Teams manifest JSON
# schema and the Manifest type of Slack's @slack/web-api (npm packages, installed on first run).
add_test(NAME "script: deploy app manifests match the Teams schema and Slack's Manifest type"
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/manifests/check.sh ${CMAKE_SOURCE_DIR}
                 ${CMAKE_BINARY_DIR}/manifest-check ${COSTBOT_DEPLOY_PYTHON}
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties("script: deploy app manifests match the Teams schema and Slack's Manifest type"
                     PROPERTIES TIMEOUT 300 LABELS deploy)
