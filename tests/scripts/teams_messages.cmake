# Every Teams message kind the service sends (command answers, alerts, approval requests, decided
# cards, invoke responses, incoming-webhook posts) is rendered by a unit test into
# build/rendered/teams and checked by tests/messages/check-messages (Microsoft's adaptivecards SDK, Teams'
# maximum schema version 1.5, unknown properties refused).
add_test(NAME "script: rendered Teams messages pass check-messages"
         COMMAND ${CMAKE_COMMAND}
                 -DUNIT_TESTS=$<TARGET_FILE:costbot_unit_tests>
                 "-DRENDER_TEST=every Teams message kind renders as a valid Adaptive Card (written to build/rendered/teams)"
                 -DKIND=--teams
                 -DOUT_DIR=${CMAKE_BINARY_DIR}/rendered/teams
                 -DVALIDATE=${CMAKE_SOURCE_DIR}/tests/messages/check-messages
                 -P ${CMAKE_SOURCE_DIR}/cmake/validate_rendered_messages.cmake
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties("script: rendered Teams messages pass check-messages" PROPERTIES TIMEOUT 300)
