#pragma once
// The section parsers of config::load (one file each), over the YAML reader. Internal to
// engine/config: everything else includes config.hpp, which does not pull in yaml-cpp.
#include "engine/config/config.hpp"
#include "engine/config/reader.hpp"

namespace costbot::config {

// Section parsers (one file each).
void read_foundation_sections(Reader& root, Config& config);
void read_ingest_section(Reader& root, Config& config);
void read_charts_section(Reader& root, Config& config);
// `approvals:` and `workflows:` (after teams, whose roles they refer to).
void read_approvals_section(Reader& root, Config& config);
void read_service_sections(Reader& root, Config& config);  // server, http_client, outbox, commands
void read_slack_section(Reader& root, Config& config);
void read_detection_section(Reader& root, Config& config);
void read_schedules_section(Reader& root, Config& config);
// `msteams:` (after teams and approvals, whose teams_conversation names it checks).
void read_msteams_section(Reader& root, Config& config);
void read_personas_section(Reader& root, Config& config);  // personas, alerts (after teams)
void read_notify_section(Reader& root, Config& config);    // pagerduty, email
void read_jira_section(Reader& root, Config& config);
void read_web_section(Reader& root, Config& config);
void read_api_section(Reader& root, Config& config);  // also COSTBOT_API_TOKENS
void read_access_section(Reader& root, Config& config);  // after teams, approvals and api
void read_audit_section(Reader& root, Config& config);

}  // namespace costbot::config
