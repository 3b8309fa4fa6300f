# Every Slack message kind the service sends is rendered by a unit test into build/rendered/slack
# and checked by tests/messages/check-messages (Slack's own types and Block Kit limits).
add_test(NAME "script: rendered Slack messages pass check-messages"
         COMMAND ${CMAKE_COMMAND}
                 -DUNIT_TESTS=$<TARGET_FILE:costbot_unit_tests>
                 -DOUT_DIR=${CMAKE_BINARY_DIR}/rendered/slack
                 -DVALIDATE=${CMAKE_SOURCE_DIR}/tests/messages/check-messages
                 -P ${CMAKE_SOURCE_DIR}/cmake/validate_slack_messages.cmake
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties("script: rendered Slack messages pass check-messages" PROPERTIES TIMEOUT 300)
