#include "adapters/aws/aws_errors.hpp"

#include <boost/json.hpp>

#include "adapters/aws/aws_xml.hpp"

namespace costbot::aws {

http::RemoteError explain_aws_failure(int status, const std::string& body, const std::string& error_code_header,
                                      const AwsCallContext& c) {
  std::string code = error_code_header, message, region, server_time;
  if (auto doc = parse_aws_error(body)) {
    code = doc->code;
    message = doc->message;
    region = doc->region;
    server_time = doc->server_time;
  } else if (!body.empty() && body.front() == '{') {
    // JSON protocols (Cost Explorer): {"__type": "...#AccessDeniedException", "message": "..."}
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (!ec && v.is_object()) {
      if (auto* t = v.as_object().if_contains("__type"); t && t->is_string()) {
        std::string type(t->as_string());
        code = type.substr(type.find('#') == std::string::npos ? 0 : type.find('#') + 1);
      }
      for (const char* key : {"message", "Message"})
        if (auto* m = v.as_object().if_contains(key); m && m->is_string()) message = std::string(m->as_string());
    }
  }
  auto with_detail = [&](std::string sentence) {
    if (!message.empty()) sentence += " (AWS says: " + message + ")";
    return c.what + ": " + sentence;
  };
  using K = ErrorKind;
  if (code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation" ||
      (status == 403 && code.empty()))
    return http::RemoteError(K::forbidden,
                             with_detail("access denied: the credentials in use need " +
                                         (c.iam_action.empty() ? std::string("permission for this call")
                                                               : c.iam_action) +
                                         (c.resource.empty() ? "" : " on " + c.resource) +
                                         " (see the least-privilege policy in the README)"),
                             false, std::nullopt, code);
  if (code == "ExpiredToken" || code == "ExpiredTokenException" || code == "TokenRefreshRequired")
    return http::RemoteError(K::unauthorized,
                             with_detail("the session token has expired; temporary credentials must be refreshed "
                                         "(an expired SSO or assumed-role session, or a stale AWS_SESSION_TOKEN)"),
                             true, std::nullopt, code);
  if (code == "RequestTimeTooSkewed" ||
      (code == "InvalidSignatureException" && message.find("Signature expired") != std::string::npos))
    return http::RemoteError(K::unauthorized,
                             with_detail("clock skew: this machine's clock differs from AWS's by more than 15 minutes" +
                                         (server_time.empty() ? std::string() : " (AWS's time: " + server_time + ")") +
                                         "; fix the time (NTP) and retry"),
                             false, std::nullopt, code);
  if (code == "SignatureDoesNotMatch" || code == "InvalidSignatureException")
    return http::RemoteError(K::unauthorized,
                             with_detail("the request signature was refused: the secret access key does not belong "
                                         "to the access key id in use"),
                             false, std::nullopt, code);
  if (code == "InvalidAccessKeyId" || code == "UnrecognizedClientException" || code == "InvalidClientTokenId")
    return http::RemoteError(K::unauthorized, with_detail("AWS does not know the access key id in use (deleted, "
                                                          "inactive, or from another partition)"),
                             false, std::nullopt, code);
  if (code == "InvalidIdentityToken" || code == "IDPRejectedClaim" || code == "IDPCommunicationError")
    return http::RemoteError(K::unauthorized,
                             with_detail("the web identity token was refused (" + code +
                                         "): expired, or from an issuer / audience the role's trust policy does not "
                                         "accept"),
                             code == "IDPCommunicationError", std::nullopt, code);
  if (code == "NoSuchBucket")
    return http::RemoteError(K::not_found, with_detail("bucket not found: check the bucket name in the location"),
                             false, std::nullopt, code);
  if (code == "NoSuchKey" || (status == 404 && code.empty()))
    return http::RemoteError(K::not_found, with_detail("object not found (deleted or replaced while reading?)"), false,
                             std::nullopt, code);
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException")
    return http::RemoteError(K::invalid_input,
                             with_detail("the bucket is in another region" +
                                         (region.empty() ? std::string() : " (" + region + ")") +
                                         ": set the source's options.region (region= in a command-line URL)"),
                             false, std::nullopt, code);
  if (code == "PreconditionFailed" || status == 412)
    return http::RemoteError(K::conflict, with_detail("the object changed while it was being read (ETag differs)"),
                             false, std::nullopt, code);
  if (code == "SlowDown" || code == "Throttling" || code == "ThrottlingException" || code == "RequestLimitExceeded" ||
      status == 429 || status == 503)
    return http::RemoteError(K::too_many_requests, with_detail("throttled by AWS; will retry"), true, std::nullopt, code);
  if (status >= 500)
    return http::RemoteError(K::unavailable, with_detail("AWS answered HTTP " + std::to_string(status) + "; will retry"),
                             true, std::nullopt, code);
  return http::RemoteError(K::invalid_input,
                           with_detail("AWS refused the request: HTTP " + std::to_string(status) +
                                       (code.empty() ? std::string() : " " + code)),
                           false, std::nullopt, code);
}

}  // namespace costbot::aws
