# The running service checked from outside, as a person or a client meets it: each script starts a
# real `costbot serve` on loopback (tests/scripts/live_service.py). Debian's python3 runs them
# (python3-yaml, python3-jsonschema); the browser test drives Debian's chromium with playwright-core.
find_program(COSTBOT_SERVICE_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT COSTBOT_SERVICE_PYTHON)
  find_program(COSTBOT_SERVICE_PYTHON NAMES python3 REQUIRED)
endif()

add_test(NAME "script: REST API answers match bot/api/openapi.yaml"
         COMMAND ${COSTBOT_SERVICE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/api_contract.py
                 --repo ${CMAKE_SOURCE_DIR} --binary $<TARGET_FILE:costbot>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME "script: GET /metrics of a live service passes promtool check metrics"
         COMMAND ${COSTBOT_SERVICE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/metrics_live.py
                 --repo ${CMAKE_SOURCE_DIR} --binary $<TARGET_FILE:costbot>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME "script: web channel in headless Chromium: approve changes the stage"
         COMMAND ${COSTBOT_SERVICE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/browser_web_channel.py
                 --repo ${CMAKE_SOURCE_DIR} --binary $<TARGET_FILE:costbot> --out ${CMAKE_BINARY_DIR}/browser
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME "script: OIDC sign-in in headless Chromium, unsigned profile refused"
         COMMAND ${COSTBOT_SERVICE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/browser_oidc.py
                 --repo ${CMAKE_SOURCE_DIR} --binary $<TARGET_FILE:costbot> --out ${CMAKE_BINARY_DIR}/browser
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties("script: REST API answers match bot/api/openapi.yaml"
                     "script: GET /metrics of a live service passes promtool check metrics"
                     PROPERTIES TIMEOUT 300 LABELS service COST 15)
# npm ci on the first run; Chromium's start.
set_tests_properties("script: web channel in headless Chromium: approve changes the stage"
                     "script: OIDC sign-in in headless Chromium, unsigned profile refused"
                     PROPERTIES TIMEOUT 900 LABELS "service;browser" COST 60)

# Every message kind for every persona and channel on the demo: no placeholder left, no server
# command told to a chat reader, and every link on this service opens (tests/scripts/message_links.py).
add_test(NAME "script: every link in every rendered message opens on the running service"
         COMMAND ${COSTBOT_SERVICE_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/scripts/message_links.py
                 --repo ${CMAKE_SOURCE_DIR} --binary $<TARGET_FILE:costbot>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties("script: every link in every rendered message opens on the running service"
                     PROPERTIES TIMEOUT 600 LABELS service COST 25)
