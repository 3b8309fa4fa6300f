#pragma once
// AWS error answers turned into sentences a person can act on: which permission on which
// resource, an expired token, a clock that is off, a bucket that does not exist or lives in
// another region. Used for S3, STS and Cost Explorer alike.
#include <string>

#include "adapters/http/remote_error.hpp"

namespace costbot::aws {

struct AwsCallContext {
  std::string what;        // "list s3://billing/cur/", "assume role arn:aws:iam::1:role/r"
  std::string iam_action;  // the permission the call needs: "s3:ListBucket"
  std::string resource;    // its ARN: "arn:aws:s3:::billing"
};

// From a non-2xx answer: status, body (XML or JSON) and headers' x-amz-error-code if any.
http::RemoteError explain_aws_failure(int status, const std::string& body, const std::string& error_code_header,
                                      const AwsCallContext& context);

}  // namespace costbot::aws
