# Approval messages (Slack Block Kit, Teams Adaptive Cards, Jira create-issue bodies with ADF, and
# the ADF comments tickets get when their incident changes) are rendered through the real engine
# transitions, then checked by tests/messages/check-messages (the vendors' packages).
set(APPROVALS_RENDER_DIR ${CMAKE_BINARY_DIR}/rendered/approvals)
add_test(NAME approvals_messages_clean
         COMMAND ${CMAKE_COMMAND} -E rm -rf ${APPROVALS_RENDER_DIR})
add_test(NAME approvals_messages_render_run
         COMMAND costbot_unit_tests
                 "approval messages are rendered for every channel and state,ticket comments are rendered as ADF for the validator")
set_tests_properties(approvals_messages_clean PROPERTIES FIXTURES_SETUP approvals_clean)
set_tests_properties(approvals_messages_render_run PROPERTIES
  FIXTURES_REQUIRED approvals_clean FIXTURES_SETUP approvals_rendered
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  ENVIRONMENT COSTBOT_RENDER_DIR=${APPROVALS_RENDER_DIR})
add_test(NAME approvals_messages_valid
         COMMAND ${CMAKE_SOURCE_DIR}/tests/messages/check-messages
                 --slack ${APPROVALS_RENDER_DIR}/slack
                 --teams ${APPROVALS_RENDER_DIR}/teams
                 --jira ${APPROVALS_RENDER_DIR}/jira)
set_tests_properties(approvals_messages_valid PROPERTIES FIXTURES_REQUIRED approvals_rendered TIMEOUT 300)
