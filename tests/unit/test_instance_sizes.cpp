// Instance types and one size down, for rightsizing advice an engineer can act on.
#include <catch2/catch.hpp>

#include "engine/detect/instance_sizes.hpp"

using namespace costbot::detect;

TEST_CASE("the instance type is found in usage types and charge descriptions", "[detect][rightsizing]") {
  CHECK(instance_type_in("USE1-BoxUsage:m5.2xlarge") == "m5.2xlarge");
  CHECK(instance_type_in("$0.384 per On Demand Linux m5.2xlarge Instance Hour") == "m5.2xlarge");
  CHECK(instance_type_in("USD 6.24 per RDS db.r6g.4xlarge Multi-AZ instance hour") == "r6g.4xlarge");
  CHECK(instance_type_in("Standard_D8s_v3") == "Standard_D8s_v3");
  CHECK(instance_type_in("N2 Instance Core running in Americas, n2-standard-8") == "n2-standard-8");
  CHECK(instance_type_in("Hours") == "");
  CHECK(instance_type_in("Requests-Tier1") == "");
}

TEST_CASE("one size down stays in the family", "[detect][rightsizing]") {
  CHECK(one_size_down("r5.8xlarge") == "r5.4xlarge");
  CHECK(one_size_down("m5.2xlarge") == "m5.xlarge");
  CHECK(one_size_down("m5.xlarge") == "m5.large");
  CHECK(one_size_down("t3.micro") == "t3.nano");
  const auto c5 = one_size_down("c5.9xlarge");
  CHECK((c5 == "c5.4xlarge" || c5 == "c5.8xlarge"));
  CHECK(one_size_down("m5.24xlarge") == "m5.12xlarge");
  CHECK(one_size_down("t3.nano") == "");
  CHECK(one_size_down("Standard_D8s_v3") == "Standard_D4s_v3");
  CHECK(one_size_down("n2-standard-8") == "n2-standard-4");
  CHECK(one_size_down("n2-standard-2") == "");
  CHECK(one_size_down("something") == "");
}

TEST_CASE("a CLI gets the short id, not the ARN", "[detect][rightsizing]") {
  CHECK(cli_resource_id("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc") == "i-0abc");
  CHECK(cli_resource_id("arn:aws:ec2:us-east-1:123456789012:volume/vol-9") == "vol-9");
  CHECK(cli_resource_id("i-0abc") == "i-0abc");
  CHECK(cli_resource_id("arn:aws:rds:us-west-2:1:db:scratch-db") == "scratch-db");
}
