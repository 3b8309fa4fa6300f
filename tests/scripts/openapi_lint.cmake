# bot/api/openapi.yaml passes Redocly's lint (recommended rules, warnings as errors).
add_test(NAME "script: bot/api/openapi.yaml passes Redocly's lint"
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/api/lint-openapi.sh)
set_tests_properties("script: bot/api/openapi.yaml passes Redocly's lint" PROPERTIES TIMEOUT 300)
