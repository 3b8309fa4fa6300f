#include <fstream>
#include <sstream>

#include "engine/config/sections.hpp"
#include "engine/util/error.hpp"

namespace costbot::config {

const TeamConfig* Config::find_team(const std::string& name) const {
  for (const auto& team : teams)
    if (team.name == name) return &team;
  return nullptr;
}

const WorkflowConfig* Config::find_workflow(const std::string& name) const {
  for (const auto& workflow : workflows)
    if (workflow.name == name) return &workflow;
  return nullptr;
}

Issues check_text(const std::string& yaml_text, Config* out) {
  Issues issues;
  Config config;
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    issues.add("", "not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ", column " +
                       std::to_string(e.mark.column + 1) + ")");
    return issues;
  }
  try {
    Reader reader(root, "", issues);
    read_foundation_sections(reader, config);
    read_ingest_section(reader, config);
    read_charts_section(reader, config);
    read_approvals_section(reader, config);
    read_service_sections(reader, config);
    read_slack_section(reader, config);
    read_detection_section(reader, config);
    read_schedules_section(reader, config);
    read_msteams_section(reader, config);
    read_web_section(reader, config);
    read_api_section(reader, config);
    read_access_section(reader, config);
    read_audit_section(reader, config);
    read_personas_section(reader, config);
    read_notify_section(reader, config);
    read_jira_section(reader, config);
    reader.finish();
  } catch (const YAML::Exception& e) {
    // The readers check types before converting; this is the net for YAML shapes they missed.
    issues.add("", "cannot read the config: " + e.msg);
  }
  if (out) *out = std::move(config);
  return issues;
}

Issues check(const std::string& path, Config* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Issues issues;
    issues.add("", "cannot open config file " + path);
    return issues;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto issues = check_text(ss.str(), out);
  if (out) out->source_path = path;
  return issues;
}

Config load(const std::string& path) {
  Config config;
  auto issues = check(path, &config);
  if (!issues.empty()) {
    std::string message = "invalid config " + path + ":\n" + issues.to_string();
    message.pop_back();
    throw Error(ErrorKind::invalid_input, message);
  }
  return config;
}

}  // namespace costbot::config
