#include "engine/detect/instance_sizes.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <regex>

namespace costbot::detect {
namespace {

// AWS sizes in order (https://docs.aws.amazon.com/ec2/latest/instancetypes/instance-type-names.html).
constexpr std::array<std::string_view, 17> kAwsSizes = {"nano",     "micro",    "small",    "medium",   "large",
                                                        "xlarge",   "2xlarge",  "3xlarge",  "4xlarge",  "6xlarge",
                                                        "8xlarge",  "9xlarge",  "12xlarge", "16xlarge", "18xlarge",
                                                        "24xlarge", "32xlarge"};

const std::regex& aws_type() {
  static const std::regex re(R"(\b([a-z][a-z0-9-]*\d[a-z0-9-]*)\.(nano|micro|small|medium|large|\d*xlarge|metal)\b)");
  return re;
}
const std::regex& azure_type() {
  static const std::regex re(R"(\b(Standard_[A-Z]+)(\d+)([a-z]*)((?:_v\d+)?)\b)");
  return re;
}
const std::regex& gcp_type() {
  static const std::regex re(R"(\b([a-z]\d[a-z]?-(?:standard|highmem|highcpu|custom))-(\d+)\b)");
  return re;
}

}  // namespace

std::string instance_type_in(std::string_view text) {
  const std::string s(text);
  std::smatch m;
  if (std::regex_search(s, m, aws_type())) return m[0];
  if (std::regex_search(s, m, azure_type())) return m[0];
  if (std::regex_search(s, m, gcp_type())) return m[0];
  return {};
}

std::string one_size_down(std::string_view instance_type) {
  const std::string s(instance_type);
  std::smatch m;
  if (std::regex_match(s, m, aws_type())) {
    const std::string size = m[2];
    for (std::size_t i = 1; i < kAwsSizes.size(); ++i)
      if (kAwsSizes[i] == size) {
        // Families skip sizes (no m5.3xlarge): halving the multiplier is the safe step down.
        if (size.find("xlarge") != std::string::npos && size != "xlarge") {
          int n = 0;
          std::from_chars(size.data(), size.data() + size.size() - 6, n);
          if (n > 2 && n % 2 == 0) return m[1].str() + "." + std::to_string(n / 2) + "xlarge";
        }
        return m[1].str() + "." + std::string(kAwsSizes[i - 1]);
      }
    return {};
  }
  if (std::regex_match(s, m, azure_type())) {  // vCPUs halve within a series: D8s_v3 → D4s_v3
    const int vcpus = std::stoi(m[2]);
    if (vcpus < 2) return {};
    return m[1].str() + std::to_string(vcpus / 2) + m[3].str() + m[4].str();
  }
  if (std::regex_match(s, m, gcp_type())) {
    const int vcpus = std::stoi(m[2]);
    if (vcpus < 4) return {};  // predefined shapes start at 2 vCPUs
    return m[1].str() + "-" + std::to_string(vcpus / 2);
  }
  return {};
}

std::string cli_resource_id(std::string_view resource) {
  if (!resource.starts_with("arn:") && resource.find('/') == std::string_view::npos) return std::string(resource);
  auto slash = resource.rfind('/');
  if (slash != std::string_view::npos && slash + 1 < resource.size()) return std::string(resource.substr(slash + 1));
  auto colon = resource.rfind(':');  // arn:aws:ec2:region:account:volume:vol-1 style
  return std::string(colon == std::string_view::npos ? resource : resource.substr(colon + 1));
}

}  // namespace costbot::detect
