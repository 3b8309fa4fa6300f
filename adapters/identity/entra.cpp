#include "adapters/identity/entra.hpp"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>

#include "adapters/http/form.hpp"
#include "adapters/identity/jws.hpp"
#include "adapters/identity/token_response.hpp"
#include "engine/util/error.hpp"
#include "engine/util/hash.hpp"
#include "engine/util/log.hpp"
#include "engine/util/strings.hpp"

namespace costbot::identity {
namespace json = boost::json;
namespace {

constexpr const char* kDefaultAuthority = "https://login.microsoftonline.com";
constexpr const char* kDefaultImds = "http://169.254.169.254";
constexpr std::int64_t kAssertionLifetime = 600;

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool truthy(const std::string& v) {
  auto s = text::to_lower(v);
  return s == "1" || s == "true" || s == "yes";
}

// "https://management.azure.com/.default" → "https://management.azure.com/" (managed identity
// endpoints take a resource, not a scope).
std::string resource_of(const std::string& scope) {
  constexpr std::string_view suffix = "/.default";
  if (scope.ends_with(suffix)) return scope.substr(0, scope.size() - suffix.size() + 1);
  return scope;
}

std::string entra_error_message(const http::Response& r, const std::string& what, std::string& code_out) {
  auto answer = parse_json_object(r.body);
  auto error = json_string(answer, "error");
  auto description = json_string(answer, "error_description");
  long long code = 0;
  if (auto* codes = answer.if_contains("error_codes"); codes && codes->is_array() && !codes->as_array().empty()) {
    const auto& c = codes->as_array().front();
    if (c.is_int64()) code = c.as_int64();
    else if (c.is_uint64()) code = static_cast<long long>(c.as_uint64());
  }
  if (!code && description.starts_with("AADSTS")) {
    std::string_view digits = std::string_view(description).substr(6);
    std::from_chars(digits.data(), digits.data() + digits.size(), code);
  }
  // Entra's description carries trace and correlation ids on later lines: keep the first.
  if (auto nl = description.find_first_of("\r\n"); nl != std::string::npos) description.resize(nl);
  if (description.size() > 300) description = description.substr(0, 300) + "...";
  std::string message = what + " refused (HTTP " + std::to_string(r.status) + (error.empty() ? "" : ", " + error) + ")";
  if (code) {
    code_out = "AADSTS" + std::to_string(code);
    auto words = explain_entra_error(code);
    if (!words.empty()) message += ": " + words;
  }
  if (!description.empty()) message += " [" + description + "]";
  return message;
}

http::RemoteError token_error(const http::Response& r, const std::string& what) {
  std::string code;
  auto message = entra_error_message(r, what, code);
  if (r.status == 429 || r.status >= 500 || r.status == 408)
    return http::RemoteError(r.status == 429 ? ErrorKind::too_many_requests : ErrorKind::unavailable, message, true,
                             r.retry_after, code);
  return http::RemoteError(r.status == 403 ? ErrorKind::forbidden : ErrorKind::unauthorized, message, false,
                           std::nullopt, code);
}

}  // namespace

std::string_view name_of(EntraMethod method) {
  switch (method) {
    case EntraMethod::automatic: return "automatic";
    case EntraMethod::client_secret: return "client_secret";
    case EntraMethod::client_certificate: return "client_certificate";
    case EntraMethod::workload_identity: return "workload_identity";
    case EntraMethod::managed_identity: return "managed_identity";
  }
  return "automatic";
}

EntraMethod parse_entra_method(std::string_view name) {
  for (auto m : {EntraMethod::automatic, EntraMethod::client_secret, EntraMethod::client_certificate,
                 EntraMethod::workload_identity, EntraMethod::managed_identity})
    if (name_of(m) == name) return m;
  throw invalid_input("unknown Entra credential method \"" + std::string(name) + "\" (valid: " + kEntraMethods + ")");
}

std::string explain_entra_error(long long code) {
  switch (code) {
    case 7000215: return "the client secret is wrong (use the secret's Value, not its Secret ID)";
    case 7000222: return "the client secret has expired: create a new one under App registrations > Certificates & secrets";
    case 700016: return "no application with this client id exists in the tenant (wrong AZURE_CLIENT_ID or tenant, or the app was deleted)";
    case 90002: return "the tenant does not exist (check the tenant id and the authority host of your cloud)";
    case 900023: return "the tenant id is not a valid tenant id or domain";
    case 700027: return "the client assertion does not verify: the certificate is not registered on the app (or has expired), or the signature is wrong";
    case 700024: return "the client assertion is not within its valid time range: this machine's clock is off (clock skew) or the federated token has expired";
    case 70021: return "no federated identity credential on the app matches the presented token (check issuer, subject and audience)";
    case 700211: return "no federated identity credential matches the token's issuer";
    case 700212: return "no federated identity credential matches the token's audience (api://AzureADTokenExchange expected)";
    case 700213: return "no federated identity credential matches the token's subject";
    case 500011: return "the resource of the requested scope was not found in the tenant (wrong scope for this cloud?)";
    case 1002012: return "the requested scope is not valid";
    case 7000112: return "the application is disabled";
    case 50027: return "the client assertion is malformed or its claims (aud, iss, sub) are wrong";
    default: return "";
  }
}

EntraOptions resolve_entra_options(EntraOptions o, const Environment& env) {
  auto fill = [&](std::string& field, const char* name) {
    if (field.empty()) field = env(name);
  };
  fill(o.authority_host, "AZURE_AUTHORITY_HOST");
  fill(o.tenant_id, "AZURE_TENANT_ID");
  fill(o.client_id, "AZURE_CLIENT_ID");
  fill(o.client_secret, "AZURE_CLIENT_SECRET");
  fill(o.certificate_path, "AZURE_CLIENT_CERTIFICATE_PATH");
  fill(o.certificate_password, "AZURE_CLIENT_CERTIFICATE_PASSWORD");
  if (!o.send_certificate_chain) o.send_certificate_chain = truthy(env("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"));
  fill(o.federated_token_file, "AZURE_FEDERATED_TOKEN_FILE");
  fill(o.imds_endpoint, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
  fill(o.identity_endpoint, "IDENTITY_ENDPOINT");
  fill(o.identity_header, "IDENTITY_HEADER");
  if (o.authority_host.empty()) o.authority_host = kDefaultAuthority;
  if (o.imds_endpoint.empty()) o.imds_endpoint = kDefaultImds;
  o.authority_host = trim_slashes(o.authority_host);
  o.imds_endpoint = trim_slashes(o.imds_endpoint);

  bool app = !o.tenant_id.empty() && !o.client_id.empty();
  if (o.method == EntraMethod::automatic) {
    if (app && !o.client_secret.empty()) o.method = EntraMethod::client_secret;
    else if (app && !o.certificate_path.empty()) o.method = EntraMethod::client_certificate;
    else if (app && !o.federated_token_file.empty()) o.method = EntraMethod::workload_identity;
    else o.method = EntraMethod::managed_identity;
  }
  auto need = [&](bool ok, const std::string& what) {
    if (!ok)
      throw invalid_input("Entra credential method " + std::string(name_of(o.method)) + " needs " + what);
  };
  switch (o.method) {
    case EntraMethod::client_secret:
      need(app, "a tenant id and a client id (AZURE_TENANT_ID, AZURE_CLIENT_ID)");
      need(!o.client_secret.empty(), "a client secret (AZURE_CLIENT_SECRET)");
      break;
    case EntraMethod::client_certificate:
      need(app, "a tenant id and a client id (AZURE_TENANT_ID, AZURE_CLIENT_ID)");
      need(!o.certificate_path.empty(), "a certificate file (AZURE_CLIENT_CERTIFICATE_PATH)");
      break;
    case EntraMethod::workload_identity:
      need(app, "a tenant id and a client id (AZURE_TENANT_ID, AZURE_CLIENT_ID)");
      need(!o.federated_token_file.empty(), "a federated token file (AZURE_FEDERATED_TOKEN_FILE)");
      break;
    case EntraMethod::managed_identity:
    case EntraMethod::automatic: break;
  }
  if (!o.client_secret.empty()) log::register_secret(o.client_secret);
  if (!o.certificate_password.empty()) log::register_secret(o.certificate_password);
  if (!o.identity_header.empty()) log::register_secret(o.identity_header);
  return o;
}

std::string entra_token_endpoint(const EntraOptions& options) {
  return trim_slashes(options.authority_host.empty() ? kDefaultAuthority : options.authority_host) + "/" +
         options.tenant_id + "/oauth2/v2.0/token";
}

EntraCredential::EntraCredential(http::Client& client, EntraOptions options, const Clock& clock)
    : client_(client), options_(std::move(options)), clock_(clock), cache_(clock) {
  if (options_.method == EntraMethod::automatic) options_ = resolve_entra_options(options_, [](const std::string&) { return std::string(); });
}

EntraCredential::~EntraCredential() = default;

std::string EntraCredential::describe() const {
  auto app = " of app " + options_.client_id + " in tenant " + options_.tenant_id;
  switch (options_.method) {
    case EntraMethod::client_secret: return "Entra client secret" + app;
    case EntraMethod::client_certificate: return "Entra client certificate " + options_.certificate_path + app;
    case EntraMethod::workload_identity: return "Entra workload identity (federated token " + options_.federated_token_file + ")" + app;
    case EntraMethod::managed_identity: {
      std::string which = !options_.client_id.empty() ? "user-assigned, client id " + options_.client_id
                          : !options_.managed_identity_resource_id.empty() ? "user-assigned " + options_.managed_identity_resource_id
                                                                          : "system-assigned";
      if (!options_.identity_endpoint.empty() && !options_.identity_header.empty())
        return "Azure managed identity (" + which + ", App Service endpoint " + options_.identity_endpoint + ")";
      return "Azure managed identity (" + which + ", IMDS " + options_.imds_endpoint + ")";
    }
    case EntraMethod::automatic: break;
  }
  return "Entra credential";
}

std::string EntraCredential::token(const std::string& scope) {
  return cache_.get(scope, [&] { return fetch(scope); });
}

void EntraCredential::invalidate(const std::string& scope) { cache_.invalidate(scope); }

AccessToken EntraCredential::fetch(const std::string& scope) {
  return options_.method == EntraMethod::managed_identity ? managed_identity(scope) : client_credentials(scope);
}

AccessToken EntraCredential::client_credentials(const std::string& scope) {
  const auto endpoint = entra_token_endpoint(options_);
  const auto now = clock_.now();
  http::FormFields form{{"grant_type", "client_credentials"}, {"client_id", options_.client_id}, {"scope", scope}};
  switch (options_.method) {
    case EntraMethod::client_secret: form.emplace_back("client_secret", options_.client_secret); break;
    case EntraMethod::client_certificate: {
      // Read at every fetch (about hourly), so a renewed certificate file is picked up.
      auto cert = load_client_certificate(options_.certificate_path, options_.certificate_password);
      if (cert.not_after && cert.not_after < now)
        throw http::RemoteError(ErrorKind::unauthorized,
                                "the client certificate " + options_.certificate_path + " (" + cert.subject +
                                    ") expired on " + format_instant(cert.not_after) + ": renew it and register the new one on the app",
                                false);
      json::object header;
      if (options_.certificate_rs256) header["x5t"] = hash::base64url_encode(cert.sha1_thumbprint);
      else header["x5t#S256"] = hash::base64url_encode(cert.sha256_thumbprint);
      if (options_.send_certificate_chain) {
        json::array x5c;
        for (const auto& der : cert.chain_der) x5c.push_back(json::value(hash::base64_encode(der)));
        header["x5c"] = std::move(x5c);
      }
      json::object claims{{"aud", endpoint},
                          {"iss", options_.client_id},
                          {"sub", options_.client_id},
                          {"jti", hash::random_hex(16)},
                          {"nbf", now},
                          {"iat", now},
                          {"exp", now + kAssertionLifetime}};
      auto alg = options_.certificate_rs256 ? JwsAlgorithm::rs256 : JwsAlgorithm::ps256;
      form.emplace_back("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      form.emplace_back("client_assertion", sign_jwt(alg, cert.key, std::move(header), claims));
      break;
    }
    case EntraMethod::workload_identity: {
      // The platform rotates this file (AKS: hourly); read it fresh for every exchange.
      auto assertion = std::string(text::trim(read_credential_file(options_.federated_token_file, "the federated token file")));
      if (assertion.empty()) throw invalid_input("the federated token file " + options_.federated_token_file + " is empty");
      form.emplace_back("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
      form.emplace_back("client_assertion", std::move(assertion));
      break;
    }
    case EntraMethod::managed_identity:
    case EntraMethod::automatic: throw invalid_input("no Entra client credential configured");
  }
  http::Request request;
  request.method = "POST";
  request.url = endpoint;
  request.content_type = "application/x-www-form-urlencoded";
  request.body = http::encode_form(form);
  request.header("Accept", "application/json");
  http::CallOptions call;
  call.idempotency = http::Idempotency::idempotent;  // asking for a token twice is harmless
  auto response = client_.send(std::move(request), call);
  const auto what = "Microsoft Entra ID (" + endpoint + ") token request for " + describe();
  if (!response.ok()) throw token_error(response, what);
  auto token = parse_token_answer(response.body, now, what);
  spdlog::debug("Entra token fetched for {} ({}), valid {} s", scope, name_of(options_.method), token.expires_at - now);
  return token;
}

AccessToken EntraCredential::managed_identity(const std::string& scope) {
  const auto now = clock_.now();
  const bool app_service = !options_.identity_endpoint.empty() && !options_.identity_header.empty();
  http::FormFields query{{"resource", resource_of(scope)}};
  http::Request request;
  if (app_service) {
    query.insert(query.begin(), {"api-version", "2019-08-01"});
    if (!options_.client_id.empty()) query.emplace_back("client_id", options_.client_id);
    else if (!options_.managed_identity_resource_id.empty()) query.emplace_back("mi_res_id", options_.managed_identity_resource_id);
    request.url = options_.identity_endpoint + (options_.identity_endpoint.find('?') == std::string::npos ? "?" : "&") +
                  http::encode_form(query);
    request.header("X-IDENTITY-HEADER", options_.identity_header);
  } else {
    query.insert(query.begin(), {"api-version", "2018-02-01"});
    if (!options_.client_id.empty()) query.emplace_back("client_id", options_.client_id);
    else if (!options_.managed_identity_resource_id.empty()) query.emplace_back("msi_res_id", options_.managed_identity_resource_id);
    request.url = options_.imds_endpoint + "/metadata/identity/oauth2/token?" + http::encode_form(query);
    request.header("Metadata", "true");
  }
  const auto what = describe() + " token request";
  http::Response response;
  try {
    response = client_.send(request);
  } catch (const http::NetworkError& e) {
    throw http::RemoteError(ErrorKind::unavailable,
                            what + ": no answer (" + std::string(e.what()) +
                                "). costbot is not on an Azure resource with a managed identity, or the endpoint is "
                                "unreachable; configure a client secret, certificate or federated token instead "
                                "(AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, ...)",
                            e.retryable());
  }
  if (!response.ok()) {
    auto answer = parse_json_object(response.body);
    auto description = json_string(answer, "error_description");
    if (description.empty()) description = json_string(answer, "message");
    std::string message = what + " refused (HTTP " + std::to_string(response.status) + ")";
    if (response.status == 400 && text::to_lower(description).find("identity not found") != std::string::npos)
      message += ": this resource has no managed identity" +
                 std::string(options_.client_id.empty() ? "" : " with client id " + options_.client_id) +
                 " (assign one, or configure another credential)";
    if (!description.empty()) message += " [" + description.substr(0, 300) + "]";
    bool retry = response.status == 429 || response.status >= 500 || response.status == 404 || response.status == 410;
    throw http::RemoteError(retry ? ErrorKind::unavailable : ErrorKind::unauthorized, message, retry, response.retry_after);
  }
  return parse_token_answer(response.body, now, what);
}

}  // namespace costbot::identity
