# The message checker itself (tests/messages): good messages pass, each bad one fails for its reason.
add_test(NAME "script: check-messages catches bad Slack, Teams and Jira messages"
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/messages/selftest.sh)
set_tests_properties("script: check-messages catches bad Slack, Teams and Jira messages" PROPERTIES TIMEOUT 300 COST 25)
