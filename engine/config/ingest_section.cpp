#include <algorithm>
#include <regex>
#include <set>

#include "engine/config/sections.hpp"
#include "engine/util/cron.hpp"
#include "engine/util/strings.hpp"

namespace costbot::config {
namespace {

// Credentials are referenced, never written inline: these names are refused with the way to do it.
const std::map<std::string, std::string>& inline_secret_keys() {
  static const std::map<std::string, std::string> keys = {
      {"secret_access_key", "secret_access_key_env (the name of an environment variable holding it)"},
      {"aws_secret_access_key", "secret_access_key_env (the name of an environment variable holding it)"},
      {"session_token", "a profile or a role (role_arn) instead"},
      {"password", "an environment variable or a file name"},
      {"client_secret", "client_secret_env (the name of an environment variable holding it)"},
      {"account_key", "account_key_env (the name of an environment variable holding it)"},
      {"connection_string", "connection_string_env (the name of an environment variable holding it)"},
      {"sig", "sas_env (the name of an environment variable holding the SAS token)"},
  };
  return keys;
}

const std::vector<LocationKeys>& all_location_keys() {
  static const std::vector<std::string> aws_credentials = {"profile", "role_arn", "external_id", "role_session_name",
                                                           "access_key_id_env", "secret_access_key_env"};
  // Keys as the adapters read them (adapters/azure/azure_settings.cpp, blob_export_source.cpp,
  // cost_query_source.cpp, adapters/gcp/bigquery_export_source.cpp).
  static const std::vector<std::string> entra_credentials = {
      "tenant_id", "client_id", "client_secret_env", "certificate_file", "certificate_password_env",
      "federated_token_file", "managed_identity_client_id", "authority_host", "credential"};
  static const std::vector<std::string> blob_credentials = [] {
    auto v = entra_credentials;
    for (const char* k : {"account_key_env", "sas_env", "connection_string_env", "auth"}) v.emplace_back(k);
    return v;
  }();
  static const std::vector<std::string> sas_query = {"sv", "ss", "srt", "sp", "se", "st", "spr", "sig", "sr",
                                                     "sip", "si", "sdd", "skoid", "sktid", "skt", "ske", "sks",
                                                     "skv", "saoid", "suoid", "scid", "rscc", "rscd", "rsce",
                                                     "rscl", "rsct", "ses"};
  static const std::vector<std::string> blob_options = {"dataset", "chunk_kb"};
  static const std::vector<LocationKeys> table = {
      {"s3", "AWS Data Exports (CUR 2.0, FOCUS 1.0) or legacy CUR in S3", aws_credentials,
       {"region", "endpoint", "path_style", "page_size"}, {}},
      {"aws-cost-explorer", "AWS Cost Explorer", aws_credentials, {"team_tag", "max_calls_per_day", "endpoint"}, {}},
      {"https", "Azure Cost Management exports in Blob storage", blob_credentials, blob_options, sas_query},
      {"http", "Azure Cost Management exports in Blob storage (loopback emulators)", blob_credentials, blob_options,
       sas_query},
      {"azure-blob", "Azure Cost Management exports in Blob storage", blob_credentials, blob_options, sas_query},
      {"azure-query", "the Azure Cost Management Query API", entra_credentials,
       {"cost_type", "months", "endpoint", "max_wait"}, {}},
      {"bq", "the GCP billing export in BigQuery", {"key_file", "credential", "metadata_host", "token_uri"},
       {"location", "job_project", "partition_column", "lookback_days", "history_months", "maximum_bytes_billed",
        "page_rows", "endpoint"},
       {}},
  };
  return table;
}

bool ingest_matches(const std::string& value, const char* pattern) {
  return std::regex_match(value, std::regex(pattern));
}

}  // namespace

const LocationKeys* location_keys(std::string_view scheme) {
  for (const auto& k : all_location_keys())
    if (k.scheme == scheme) return &k;
  return nullptr;
}

std::string check_location_setting(std::string_view scheme, const std::string& key, const std::string& value) {
  if (value.empty()) return "is empty";
  if (scheme == "s3" || scheme == "aws-cost-explorer") {
    if (key == "role_arn" && !ingest_matches(value, R"(arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+)"))
      return "expected an IAM role ARN such as arn:aws:iam::123456789012:role/costbot-billing-read, got \"" + value + "\"";
    if (key == "external_id" && !ingest_matches(value, R"([\w+=,.@:/-]{2,1224})"))
      return "an external id is 2 to 1224 characters of letters, digits and +=,.@:/-";
    if (key == "role_session_name" && !ingest_matches(value, R"([\w+=,.@-]{2,64})"))
      return "a role session name is 2 to 64 characters of letters, digits and +=,.@-";
    if (key == "profile" && !ingest_matches(value, R"([\w.+@/-]+)"))
      return "\"" + value + "\" is not a profile name of ~/.aws/config";
    if ((key == "access_key_id_env" || key == "secret_access_key_env") && !ingest_matches(value, R"([A-Za-z_][A-Za-z0-9_]*)"))
      return "expected the NAME of an environment variable (the secret itself never goes in the config)";
    if (key == "region" && !ingest_matches(value, R"([a-z]{2}(-[a-z]+)+-\d+)"))
      return "expected an AWS region such as eu-west-1, got \"" + value + "\"";
    if (key == "endpoint" && !value.starts_with("https://") && !value.starts_with("http://"))
      return "expected an http(s) URL such as https://s3.eu-west-1.amazonaws.com or http://127.0.0.1:9000";
    if (key == "path_style" && value != "true" && value != "false") return "expected true or false";
    if (key == "team_tag" && value.size() > 128) return "a cost allocation tag key has at most 128 characters";
    if (key == "max_calls_per_day") {
      auto n = text::parse_int(value);
      if (!n || *n < 0) return "expected a number of requests (0 = no cap; each costs USD 0.01)";
    }
    if (key == "page_size") {
      auto n = text::parse_int(value);
      if (!n || *n < 1 || *n > 1000) return "expected a number from 1 to 1000";
    }
  }
  return {};
}

void read_ingest_section(Reader& root, Config& config) {
  auto ingest = root.section("ingest");
  std::set<std::string> names;
  ingest.list("sources", [&](Reader& r) {
    auto& source = config.ingest.sources.emplace_back();
    r.string("name", source.name, true);
    r.string("location", source.location);
    // Cost Explorer answers are read as FOCUS rows: no type to give.
    const bool api_source = source.location.starts_with("aws-cost-explorer://");
    r.choice("type", source.type, {"focus", "cur", "azure", "gcp", "usage"}, !api_source);
    if (api_source && source.type.empty()) source.type = "focus";
    r.strings("paths", source.paths);
    r.string_map("credentials", source.credentials);
    r.string_map("options", source.options);
    r.duration("every", source.every_seconds);
    r.string("schedule", source.schedule);
    if (!source.name.empty() && !names.insert(source.name).second)
      r.error("name", "duplicate source name \"" + source.name + "\"");

    if (source.paths.empty() && source.location.empty()) r.error("paths", "a source needs paths (files) or a location (a cloud URL)");
    if (!source.paths.empty() && !source.location.empty())
      r.error("location", "a source reads either paths (files) or one location: make two sources");
    for (const auto& p : source.paths)
      if (p.find("://") != std::string::npos)
        r.error("paths", "\"" + p + "\" is a cloud location: write it as location: (with credentials: and options:)");

    const bool remote = !source.location.empty();
    if (!remote) {
      for (const char* key : {"credentials", "options", "every", "schedule"})
        if (r.has(key)) r.error(key, "only for a cloud source (location:)");
    } else {
      auto sep = source.location.find("://");
      std::string scheme = sep == std::string::npos ? std::string() : source.location.substr(0, sep);
      if (scheme.empty() || sep + 3 >= source.location.size()) {
        r.error("location", "expected a URL such as s3://BUCKET/PREFIX/, got \"" + source.location + "\"");
      } else if (source.location.find('?') != std::string::npos) {
        r.error("location", "no ?settings in the location here: put them under credentials: and options:");
      } else if (scheme == "aws-cost-explorer" && !ingest_matches(source.location, R"(aws-cost-explorer://\d{12}/?)")) {
        r.error("location", "expected aws-cost-explorer://ACCOUNT_ID: the 12-digit account whose Cost Explorer is read "
                            "(an organization's management account covers every member account)");
      }
      if (!scheme.empty() && !location_keys(scheme)) {
        std::vector<std::string> known;
        for (const auto& k : all_location_keys()) known.push_back(k.scheme + "://");
        r.error("location", "no cloud source reads " + scheme + ":// (known: " + text::join(known, ", ") + ")");
      }
      if (const auto* keys = location_keys(scheme); keys && !scheme.empty() && source.location.find('?') == std::string::npos) {
        auto check = [&](const char* group, const std::map<std::string, std::string>& values,
                         const std::vector<std::string>& known) {
          for (const auto& [key, value] : values) {
            const std::string path = std::string(group) + "." + key;
            if (auto it = inline_secret_keys().find(key); it != inline_secret_keys().end()) {
              r.error(path, "secrets never go in the config: use " + it->second);
            } else if (std::find(known.begin(), known.end(), key) == known.end()) {
              r.error(path, "unknown for " + keys->what + " (known " + group + ": " + text::join(known, ", ") + ")");
            } else if (auto problem = check_location_setting(scheme, key, value); !problem.empty()) {
              r.error(path, problem);
            }
          }
        };
        check("credentials", source.credentials, keys->credentials);
        check("options", source.options, keys->options);
        if (source.credentials.count("access_key_id_env") != source.credentials.count("secret_access_key_env"))
          r.error("credentials", "access_key_id_env and secret_access_key_env go together");
        if (source.credentials.count("external_id") && !source.credentials.count("role_arn"))
          r.error("credentials.external_id", "goes with role_arn (the role whose trust policy asks for it)");
      }
      if (r.has("every") && source.every_seconds < 60) r.error("every", "at least 1m");
      if (!source.schedule.empty()) {
        std::string error;
        if (!CronExpression::try_parse(source.schedule, error))
          r.error("schedule", "\"" + source.schedule + "\" is not a valid cron expression: " + error);
        if (source.every_seconds > 0) r.error("schedule", "give every: or schedule:, not both");
      }
    }
  });
  ingest.integer("batch_rows", config.ingest.batch_rows);
  if (config.ingest.batch_rows < 1) ingest.error("batch_rows", "must be at least 1");
  ingest.finish();
}

}  // namespace costbot::config
