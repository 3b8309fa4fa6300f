# Script mode: render (the unit test) then validate, so the check never runs on stale files.
file(REMOVE_RECURSE "${OUT_DIR}")
execute_process(COMMAND "${UNIT_TESTS}" "every Slack message kind renders as valid Block Kit (written to build/rendered/slack)"
                RESULT_VARIABLE rendered)
if(NOT rendered EQUAL 0)
  message(FATAL_ERROR "rendering the Slack messages failed")
endif()
execute_process(COMMAND "${VALIDATE}" --slack "${OUT_DIR}" RESULT_VARIABLE valid)
if(NOT valid EQUAL 0)
  message(FATAL_ERROR "check-messages rejected rendered Slack messages")
endif()
