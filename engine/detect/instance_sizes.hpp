#pragma once
// Instance types and their sizes, for rightsizing advice an engineer can act on: the type a
// resource runs as (from its billing usage type or charge description) and the next size down in
// the same family, for AWS (m5.2xlarge → m5.xlarge), Azure (Standard_D8s_v3 → Standard_D4s_v3)
// and Google Cloud (n2-standard-8 → n2-standard-4). And the short id a provider's CLI wants
// (AWS: i-0abc… rather than the full ARN).
#include <string>
#include <string_view>

namespace costbot::detect {

// The instance type named in a usage type or charge description ("USW2-BoxUsage:m5.2xlarge",
// "$0.384 per On Demand Linux m5.2xlarge Instance Hour", "Standard_D8s_v3", "n2-standard-8"); "" when none.
std::string instance_type_in(std::string_view text);
// One size down in the same family; "" when there is none (already the smallest, or unknown).
std::string one_size_down(std::string_view instance_type);
// The id a provider's CLI takes: the last path segment of an ARN or a resource path
// ("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc" → "i-0abc"); other ids unchanged.
std::string cli_resource_id(std::string_view resource);

}  // namespace costbot::detect
