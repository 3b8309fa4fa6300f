#include "adapters/aws/credentials.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <vector>

#include "adapters/aws/aws_config.hpp"
#include "adapters/aws/aws_errors.hpp"
#include "adapters/aws/aws_xml.hpp"
#include "adapters/http/form.hpp"
#include "adapters/http/proxy.hpp"
#include "adapters/http/url.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::aws {
namespace {

using http::RemoteError;

std::string cred_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string read_token_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RemoteError(ErrorKind::unauthorized, std::string(what) + ": cannot read " + path, false);
  std::stringstream ss;
  ss << in.rdbuf();
  return std::string(text::trim(ss.str()));
}

// Not configured here: the chain moves on to the next provider.
struct NotConfigured {};

using Fetch = std::function<Credentials()>;

class CachingProvider final : public CredentialProvider {
 public:
  CachingProvider(const Clock& clock, std::string description, Fetch fetch)
      : clock_(clock), description_(std::move(description)), fetch_(std::move(fetch)) {}
  Credentials get() override {
    std::lock_guard lock(mutex_);
    if (!cached_.empty() && (cached_.expires_at == 0 || clock_.now() < cached_.expires_at - kCredentialRefreshMargin))
      return cached_;
    auto fresh = fetch_();
    // Never in a log line while they are in use; the ones replaced are forgotten.
    log::register_secret(fresh.secret_access_key);
    if (!fresh.session_token.empty()) log::register_secret(fresh.session_token);
    forget(fresh);
    cached_ = std::move(fresh);
    return cached_;
  }
  void invalidate() override {
    std::lock_guard lock(mutex_);
    forget({});
    cached_ = {};
  }
  ~CachingProvider() override { forget({}); }
  std::string describe() const override { return description_; }

 private:
  // Stops redacting the cached secrets unless `next` still uses them (static keys stay the same).
  void forget(const Credentials& next) {
    if (!cached_.secret_access_key.empty() && cached_.secret_access_key != next.secret_access_key)
      log::forget_secret(cached_.secret_access_key);
    if (!cached_.session_token.empty() && cached_.session_token != next.session_token)
      log::forget_secret(cached_.session_token);
  }

  const Clock& clock_;
  std::string description_;
  Fetch fetch_;
  std::mutex mutex_;
  Credentials cached_;
};

// The first provider that is configured wins and is kept (as the SDKs do).
class ChainProvider final : public CredentialProvider {
 public:
  struct Link {
    std::string name;
    std::function<std::shared_ptr<CredentialProvider>()> make;  // throws NotConfigured
  };
  explicit ChainProvider(std::vector<Link> links) : links_(std::move(links)) {}
  Credentials get() override {
    std::lock_guard lock(mutex_);
    if (chosen_) return chosen_->get();
    std::vector<std::string> tried;
    for (auto& link : links_) {
      std::shared_ptr<CredentialProvider> p;
      try {
        p = link.make();
      } catch (const NotConfigured&) {
        tried.push_back(link.name);
        continue;
      }
      auto creds = p->get();  // a configured provider that fails is an error, not a fall-through
      chosen_ = p;
      spdlog::info("AWS credentials from {}", p->describe());
      return creds;
    }
    throw RemoteError(ErrorKind::unauthorized,
                      "no AWS credentials found; tried: " + text::join(tried, ", ") +
                          ". Set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile in ~/.aws/config, or run with "
                          "an instance / task / pod role",
                      false);
  }
  void invalidate() override {
    std::lock_guard lock(mutex_);
    if (chosen_) chosen_->invalidate();
  }
  std::string describe() const override { return chosen_ ? chosen_->describe() : "the default AWS credential chain"; }

 private:
  std::vector<Link> links_;
  std::mutex mutex_;
  std::shared_ptr<CredentialProvider> chosen_;
};

std::string sts_url(const SharedConfig& shared, const std::string& profile, const std::string& region,
                    const std::string& explicit_endpoint) {
  auto e = resolve_endpoint(shared, profile, "STS", explicit_endpoint);
  return e.empty() ? "https://sts." + region + ".amazonaws.com/" : e;
}

Credentials from_sts(const StsCredentials& s) {
  Credentials c{s.access_key_id, s.secret_access_key, s.session_token, 0};
  if (auto t = parse_instant(s.expiration)) c.expires_at = *t;
  return c;
}

// STS query API call (form POST). `base` empty = unsigned (AssumeRoleWithWebIdentity).
Credentials call_sts(http::Client& client, const Clock& clock, const std::string& endpoint, const std::string& region,
                     const http::FormFields& form, const Credentials* base, const AwsCallContext& context) {
  http::Request req;
  req.method = "POST";
  req.url = endpoint;
  req.body = http::encode_form(form);
  req.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  if (base) {
    auto url = http::parse_url(endpoint);
    bool default_port = (url.tls() && url.port == "443") || (!url.tls() && url.port == "80");
    SigningRequest sr;
    sr.method = "POST";
    sr.host = default_port ? url.host : url.host + ":" + url.port;
    auto q = url.target.find('?');
    sr.path = url.target.substr(0, q);
    if (q != std::string::npos) sr.query = url.target.substr(q + 1);
    sr.headers = {{"Content-Type", req.content_type}};
    sr.payload_sha256 = hash::sha256_hex(req.body);
    SigningOptions o;
    o.region = region;
    o.service = "sts";
    o.time = clock.now();
    for (auto& h : sign(sr, *base, o).headers) req.headers.push_back(std::move(h));
  }
  http::CallOptions call;
  call.idempotency = http::Idempotency::idempotent;  // asking for credentials twice does no harm
  auto r = client.send(std::move(req), call);
  if (!r.ok()) throw explain_aws_failure(r.status, r.body, std::string(r.header("x-amzn-errortype").value_or("")), context);
  try {
    return from_sts(parse_sts_credentials(r.body));
  } catch (const Error& e) {
    throw RemoteError(ErrorKind::unavailable, context.what + ": " + e.what(), true);
  }
}

std::shared_ptr<CredentialProvider> assume_role_provider(http::Client& client, const Clock& clock,
                                                         std::shared_ptr<CredentialProvider> base, std::string role_arn,
                                                         std::string external_id, std::string session_name,
                                                         std::string duration, std::string endpoint, std::string region) {
  std::string description = "assume role " + role_arn + (external_id.empty() ? "" : " (with external id)") + " using " +
                            base->describe();
  return std::make_shared<CachingProvider>(clock, description, [=, &client, &clock] {
    http::FormFields form{{"Action", "AssumeRole"},
                          {"Version", "2011-06-15"},
                          {"RoleArn", role_arn},
                          {"RoleSessionName", session_name.empty() ? "costbot-" + std::to_string(clock.now()) : session_name}};
    if (!external_id.empty()) form.emplace_back("ExternalId", external_id);
    form.emplace_back("DurationSeconds", duration.empty() ? "3600" : duration);
    auto base_creds = base->get();
    return call_sts(client, clock, endpoint, region, form, &base_creds,
                    {"assume role " + role_arn, "sts:AssumeRole", role_arn});
  });
}

std::shared_ptr<CredentialProvider> web_identity_provider(http::Client& client, const Clock& clock, std::string role_arn,
                                                          std::string token_file, std::string session_name,
                                                          std::string endpoint, std::string region) {
  return std::make_shared<CachingProvider>(
      clock, "web identity token " + token_file + " for role " + role_arn, [=, &client, &clock] {
        // Re-read at every refresh: the kubelet rotates the projected token.
        http::FormFields form{{"Action", "AssumeRoleWithWebIdentity"},
                              {"Version", "2011-06-15"},
                              {"RoleArn", role_arn},
                              {"RoleSessionName", session_name.empty() ? "costbot-" + std::to_string(clock.now()) : session_name},
                              {"WebIdentityToken", read_token_file(token_file, "web identity token")}};
        return call_sts(client, clock, endpoint, region, form, nullptr,
                        {"assume role " + role_arn + " with web identity", "sts:AssumeRoleWithWebIdentity", role_arn});
      });
}

Credentials parse_json_credentials(const std::string& body, const std::string& what) {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) throw RemoteError(ErrorKind::unavailable, what + ": the answer is not JSON", true);
  const auto& o = v.as_object();
  auto field = [&](const char* key) {
    auto* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  if (auto code = field("Code"); !code.empty() && code != "Success")
    throw RemoteError(ErrorKind::unauthorized, what + ": " + code + " " + field("Message"), false);
  Credentials c{field("AccessKeyId"), field("SecretAccessKey"), field("Token"), 0};
  if (auto t = parse_instant(field("Expiration"))) c.expires_at = *t;
  if (c.empty()) throw RemoteError(ErrorKind::unavailable, what + ": the answer has no AccessKeyId / SecretAccessKey", true);
  return c;
}

bool container_host_allowed(const std::string& url_text) {
  auto url = http::parse_url(url_text);
  if (url.tls()) return true;
  return http::is_loopback_host(url.host) || url.host == "169.254.170.2" || url.host == "169.254.170.23" ||
         url.host == "fd00:ec2::23";
}

std::shared_ptr<CredentialProvider> container_provider(http::Client& client, const Clock& clock) {
  std::string full = cred_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  std::string relative = cred_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  if (full.empty() && relative.empty()) throw NotConfigured{};
  std::string url = !full.empty() ? full : "http://169.254.170.2" + relative;
  if (!full.empty() && !container_host_allowed(full))
    throw RemoteError(ErrorKind::unauthorized,
                      "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback / ECS / EKS Pod Identity address", false);
  return std::make_shared<CachingProvider>(clock, "container credentials (" + http::parse_url(url).origin() + ")",
                                           [url, &client] {
    auto req = http::Request::get(url);
    std::string token_file = cred_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    std::string token = !token_file.empty() ? read_token_file(token_file, "container authorization token")
                                            : cred_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (!token.empty()) req.header("Authorization", token);
    http::CallOptions call;
    call.request_timeout = std::chrono::seconds(2);
    auto r = client.send(std::move(req), call);
    if (r.status == 401 || r.status == 403)
      throw http::error_for_status(r, "container credentials endpoint refused the authorization token (from " +
                                          std::string(!token_file.empty() ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
                                                      : token.empty()     ? "nowhere: none is set"
                                                                          : "AWS_CONTAINER_AUTHORIZATION_TOKEN") +
                                          ")");
    if (!r.ok()) throw http::error_for_status(r, "container credentials endpoint");
    return parse_json_credentials(r.body, "container credentials endpoint");
  });
}

std::shared_ptr<CredentialProvider> imds_provider(http::Client& client, const Clock& clock) {
  if (text::iequals(cred_env("AWS_EC2_METADATA_DISABLED"), "true")) throw NotConfigured{};
  std::string base = cred_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  if (base.empty()) base = "http://169.254.169.254";
  while (!base.empty() && base.back() == '/') base.pop_back();
  return std::make_shared<CachingProvider>(clock, "EC2 instance metadata (" + base + ")", [base, &client] {
    http::CallOptions call;
    call.request_timeout = std::chrono::seconds(1);
    call.max_attempts = 2;
    const std::string what = "EC2 instance metadata at " + base;
    std::string token;
    http::Response put;
    try {
      http::Request req;
      req.method = "PUT";
      req.url = base + "/latest/api/token";
      req.header("X-aws-ec2-metadata-token-ttl-seconds", "21600");
      put = client.send(std::move(req), call);
    } catch (const http::NetworkError& e) {
      throw RemoteError(ErrorKind::unavailable, what + " did not answer (not on EC2, or the hop limit is too low): " + e.what(), true);
    }
    if (put.ok()) {
      token = put.body;
    } else if ((put.status == 403 || put.status == 404 || put.status == 405) &&
               !text::iequals(cred_env("AWS_EC2_METADATA_V1_DISABLED"), "true")) {
      spdlog::warn("{}: IMDSv2 token refused (HTTP {}); falling back to IMDSv1", what, put.status);
    } else {
      throw http::error_for_status(put, what + " (session token)");
    }
    auto get = [&](const std::string& path) {
      auto req = http::Request::get(base + path);
      if (!token.empty()) req.header("X-aws-ec2-metadata-token", token);
      auto r = client.send(std::move(req), call);
      if (r.status == 404) throw RemoteError(ErrorKind::unauthorized, what + ": this instance has no IAM role attached", false);
      if (!r.ok()) throw http::error_for_status(r, what + " " + path);
      return r.body;
    };
    std::string role(text::trim(get("/latest/meta-data/iam/security-credentials/")));
    if (auto nl = role.find('\n'); nl != std::string::npos) role.resize(nl);
    return parse_json_credentials(get("/latest/meta-data/iam/security-credentials/" + role), what);
  });
}

std::shared_ptr<CredentialProvider> static_provider(const Clock& clock, Credentials c, std::string description) {
  return std::make_shared<CachingProvider>(clock, std::move(description), [c] { return c; });
}

std::shared_ptr<CredentialProvider> env_provider(const Clock& clock) {
  Credentials c{cred_env("AWS_ACCESS_KEY_ID"), cred_env("AWS_SECRET_ACCESS_KEY"), cred_env("AWS_SESSION_TOKEN"), 0};
  if (c.access_key_id.empty() && c.secret_access_key.empty()) throw NotConfigured{};
  if (c.empty())
    throw RemoteError(ErrorKind::unauthorized, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set", false);
  return static_provider(clock, c, "environment variables (AWS_ACCESS_KEY_ID)");
}

std::shared_ptr<CredentialProvider> web_identity_env_provider(http::Client& client, const Clock& clock,
                                                              const SharedConfig& shared, const std::string& profile,
                                                              const std::string& region, const CredentialSettings& s) {
  std::string file = cred_env("AWS_WEB_IDENTITY_TOKEN_FILE"), role = cred_env("AWS_ROLE_ARN");
  if (file.empty() || role.empty()) throw NotConfigured{};
  return web_identity_provider(client, clock, role, file, cred_env("AWS_ROLE_SESSION_NAME"),
                               sts_url(shared, profile, region, s.sts_endpoint), region);
}

// A profile of the shared files, following source_profile chains (cycles are errors).
std::shared_ptr<CredentialProvider> profile_provider(http::Client& client, const Clock& clock, const SharedConfig& shared,
                                                     const std::string& name, const std::string& region,
                                                     const CredentialSettings& s, std::set<std::string> visiting,
                                                     bool required) {
  const Profile* p = shared.profile(name);
  if (!p) {
    if (!required) throw NotConfigured{};
    throw RemoteError(ErrorKind::unauthorized,
                      "AWS profile \"" + name + "\" is not in " + shared.config_path + " or " + shared.credentials_path, false);
  }
  if (!visiting.insert(name).second)
    throw RemoteError(ErrorKind::unauthorized, "AWS profile \"" + name + "\": source_profile forms a cycle", false);
  auto v = [&](const char* key) { return shared.value(name, key); };
  std::string endpoint = sts_url(shared, name, region, s.sts_endpoint);
  if (!v("role_arn").empty()) {
    if (!v("web_identity_token_file").empty())
      return web_identity_provider(client, clock, v("role_arn"), v("web_identity_token_file"), v("role_session_name"),
                                   endpoint, region);
    std::shared_ptr<CredentialProvider> base;
    if (!v("source_profile").empty()) {
      // A source profile that itself has static keys and a role uses its keys (as the SDKs do).
      const Profile* src = shared.profile(v("source_profile"));
      if (src && v("source_profile") == name) {
        base = static_provider(clock, {v("aws_access_key_id"), v("aws_secret_access_key"), v("aws_session_token"), 0},
                               "profile " + name + " keys");
      } else {
        base = profile_provider(client, clock, shared, v("source_profile"), region, s, visiting, true);
      }
    } else if (auto cs = v("credential_source"); cs == "Environment") {
      base = env_provider(clock);
    } else if (cs == "Ec2InstanceMetadata") {
      base = imds_provider(client, clock);
    } else if (cs == "EcsContainer") {
      base = container_provider(client, clock);
    } else {
      throw RemoteError(ErrorKind::unauthorized,
                        "AWS profile \"" + name + "\" has role_arn but neither source_profile nor a credential_source "
                        "of Environment, Ec2InstanceMetadata or EcsContainer",
                        false);
    }
    return assume_role_provider(client, clock, base, v("role_arn"), v("external_id"), v("role_session_name"),
                                v("duration_seconds"), endpoint, region);
  }
  if (!v("aws_access_key_id").empty()) {
    Credentials c{v("aws_access_key_id"), v("aws_secret_access_key"), v("aws_session_token"), 0};
    if (c.empty())
      throw RemoteError(ErrorKind::unauthorized, "AWS profile \"" + name + "\" has aws_access_key_id but no aws_secret_access_key", false);
    return static_provider(clock, c, "profile " + name + " (shared credentials file)");
  }
  if (!v("credential_process").empty())
    throw RemoteError(ErrorKind::unauthorized,
                      "AWS profile \"" + name + "\" uses credential_process, which costbot does not run; use a role "
                      "(role_arn) or static keys for this profile",
                      false);
  if (!v("sso_session").empty() || !v("sso_start_url").empty())
    throw RemoteError(ErrorKind::unauthorized,
                      "AWS profile \"" + name + "\" uses IAM Identity Center (SSO), which needs a person at a browser; "
                      "give costbot a role (role_arn) or an instance / pod role instead",
                      false);
  if (!required) throw NotConfigured{};
  throw RemoteError(ErrorKind::unauthorized, "AWS profile \"" + name + "\" has no credentials (no keys, no role_arn)", false);
}

}  // namespace

std::shared_ptr<CredentialProvider> make_credential_chain(http::Client& client, const Clock& clock,
                                                          const CredentialSettings& s) {
  auto shared = std::make_shared<SharedConfig>(SharedConfig::load());
  std::string profile = active_profile_name(s.profile);
  std::string region = resolve_region(*shared, profile, s.region);
  std::shared_ptr<CredentialProvider> base;
  if (!s.access_key_id_env.empty()) {
    Credentials c{cred_env(s.access_key_id_env.c_str()), cred_env(s.secret_access_key_env.c_str()), {}, 0};
    if (c.empty())
      throw RemoteError(ErrorKind::unauthorized,
                        "environment variables " + s.access_key_id_env + " / " + s.secret_access_key_env + " are not both set",
                        false);
    base = static_provider(clock, c, "environment variable " + s.access_key_id_env);
  } else if (!s.profile.empty()) {
    base = profile_provider(client, clock, *shared, profile, region, s, {}, true);
  } else {
    std::vector<ChainProvider::Link> links;
    links.push_back({"environment variables", [&clock] { return env_provider(clock); }});
    links.push_back({"profile " + profile + " (" + shared->config_path + ")", [&client, &clock, shared, profile, region, s] {
                       return profile_provider(client, clock, *shared, profile, region, s, {}, profile != "default" &&
                                                                                                 std::getenv("AWS_PROFILE"));
                     }});
    links.push_back({"web identity (AWS_WEB_IDENTITY_TOKEN_FILE)", [&client, &clock, shared, profile, region, s] {
                       return web_identity_env_provider(client, clock, *shared, profile, region, s);
                     }});
    links.push_back({"container credentials", [&client, &clock] { return container_provider(client, clock); }});
    links.push_back({"EC2 instance metadata", [&client, &clock] { return imds_provider(client, clock); }});
    base = std::make_shared<ChainProvider>(std::move(links));
  }
  if (s.role_arn.empty()) return base;
  return assume_role_provider(client, clock, base, s.role_arn, s.external_id, s.role_session_name, "3600",
                              sts_url(*shared, profile, region, s.sts_endpoint), region);
}

}  // namespace costbot::aws
