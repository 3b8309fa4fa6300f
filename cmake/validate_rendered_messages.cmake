# Script mode: render (the unit test RENDER_TEST) then validate with `validate KIND OUT_DIR`, so the
# check never runs on stale files.
file(REMOVE_RECURSE "${OUT_DIR}")
execute_process(COMMAND "${UNIT_TESTS}" "${RENDER_TEST}" RESULT_VARIABLE rendered)
if(NOT rendered EQUAL 0)
  message(FATAL_ERROR "rendering the messages failed (${RENDER_TEST})")
endif()
execute_process(COMMAND "${VALIDATE}" ${KIND} "${OUT_DIR}" RESULT_VARIABLE valid)
if(NOT valid EQUAL 0)
  message(FATAL_ERROR "check-messages rejected rendered messages in ${OUT_DIR}")
endif()
