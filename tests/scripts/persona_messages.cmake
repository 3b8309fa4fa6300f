# Persona alert messages (every template x persona x channel, rendered from fixtures by a unit
# test) checked by tests/messages/check-messages (the vendors' packages): Slack Block Kit, Teams Adaptive Cards, Jira ADF.
set(PERSONAS_RENDER_DIR ${CMAKE_BINARY_DIR}/rendered/personas)
add_test(NAME persona_messages_clean
         COMMAND ${CMAKE_COMMAND} -E rm -rf ${PERSONAS_RENDER_DIR})
add_test(NAME persona_messages_render_run
         COMMAND costbot_unit_tests "every persona template renders for every channel and event (written to build/rendered/personas)")
set_tests_properties(persona_messages_clean PROPERTIES FIXTURES_SETUP personas_clean)
set_tests_properties(persona_messages_render_run PROPERTIES
  FIXTURES_REQUIRED personas_clean FIXTURES_SETUP personas_rendered
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  ENVIRONMENT COSTBOT_RENDER_DIR=${PERSONAS_RENDER_DIR})
add_test(NAME persona_messages_valid
         COMMAND ${CMAKE_SOURCE_DIR}/tests/messages/check-messages
                 --slack ${PERSONAS_RENDER_DIR}/slack
                 --teams ${PERSONAS_RENDER_DIR}/teams
                 --jira ${PERSONAS_RENDER_DIR}/jira)
set_tests_properties(persona_messages_valid PROPERTIES FIXTURES_REQUIRED personas_rendered TIMEOUT 300)
