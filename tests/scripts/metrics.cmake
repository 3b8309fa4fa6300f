# The /metrics exposition checked by Prometheus' own linter (promtool from the Debian package
# prometheus), on a registry filled by every service instrument.
add_executable(costbot_metrics_sample ${CMAKE_CURRENT_SOURCE_DIR}/scripts/metrics_sample.cpp)
target_link_libraries(costbot_metrics_sample PRIVATE costbot_test_support)
add_test(NAME "script: metrics exposition passes promtool check metrics"
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/check_metrics.sh $<TARGET_FILE:costbot_metrics_sample>
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
