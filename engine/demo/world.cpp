#include "engine/demo/world.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <utility>

#include "engine/util/error.hpp"

namespace costbot::demo {

std::uint64_t Random::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Random::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
double Random::uniform(double low, double high) { return low + (high - low) * uniform(); }

double Random::normal() {
  // Box-Muller; 1 - u keeps the logarithm finite.
  const double u = 1.0 - uniform(), v = uniform();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * 3.14159265358979323846 * v);
}

int Random::below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }

std::string Random::hex(int digits) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out += kHex[next() & 15];
  return out;
}

std::uint64_t hash_text(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

double hashed_uniform(std::uint64_t seed, std::uint64_t a, std::int64_t b) {
  Random r(seed ^ (a * 0x9e3779b97f4a7c15ULL) ^ (static_cast<std::uint64_t>(b) * 0xc2b2ae3d27d4eb4fULL));
  r.next();
  return r.uniform();
}

double hashed_normal(std::uint64_t seed, std::uint64_t a, std::int64_t b) {
  Random r(seed ^ (a * 0x9e3779b97f4a7c15ULL) ^ (static_cast<std::uint64_t>(b) * 0xc2b2ae3d27d4eb4fULL));
  r.next();
  return r.normal();
}

const Archetype& archetype(const std::string& key) {
  static const std::map<std::string, Archetype> all = {
      {"ec2", {"ec2", "AWS", "Amazon Elastic Compute Cloud", "instance", "instance", 2.5, 40}},
      {"asg", {"asg", "AWS", "Amazon Elastic Compute Cloud", "instance", "autoscaling group", 20, 60}},
      {"reservation", {"reservation", "AWS", "Amazon Elastic Compute Cloud", "instance", "reserved instance", 20, 60, true}},
      {"savings_plan", {"savings_plan", "AWS", "Amazon Elastic Compute Cloud", "instance", "savings plan", 20, 60, true}},
      {"ebs", {"ebs", "AWS", "Amazon Elastic Compute Cloud", "volume", "volume", 0.4, 7, true}},
      {"s3", {"s3", "AWS", "Amazon Simple Storage Service", "bucket", "bucket", 0.5, 20, true}},
      {"rds", {"rds", "AWS", "Amazon Relational Database Service", "", "db instance", 8, 45}},
      {"elb", {"elb", "AWS", "Elastic Load Balancing", "", "load balancer", 0.6, 6}},
      {"lambda", {"lambda", "AWS", "AWS Lambda", "", "function", 0.1, 4}},
      {"dynamodb", {"dynamodb", "AWS", "Amazon DynamoDB", "", "table", 0.5, 12}},
      {"sqs", {"sqs", "AWS", "Amazon Simple Queue Service", "", "queue", 0.05, 2}},
      {"ecs", {"ecs", "AWS", "Amazon Elastic Container Service", "", "cluster", 5, 35}},
      {"cloudwatch", {"cloudwatch", "AWS", "AmazonCloudWatch", "", "log group", 0.3, 5}},
      {"cloudfront", {"cloudfront", "AWS", "Amazon CloudFront", "distribution", "distribution", 1, 12}},
      {"azure_storage", {"azure_storage", "Microsoft", "Storage Accounts", "Storage account", "Storage account", 0.5, 12, true}},
      {"azure_ml", {"azure_ml", "Microsoft", "Azure Machine Learning", "Azure Machine Learning workspace",
                    "Azure Machine Learning workspace", 6, 40}},
      {"aks", {"aks", "Microsoft", "Azure Kubernetes Service", "Kubernetes service", "Kubernetes service", 15, 45}},
      {"vmss", {"vmss", "Microsoft", "Virtual Machine Scale Sets", "Virtual machine scale set", "Virtual machine scale set", 8, 30}},
      {"azure_mysql", {"azure_mysql", "Microsoft", "Azure DB for MySQL", "MySQL server", "MySQL server", 6, 20}},
      {"oci_compute", {"oci_compute", "Oracle", "COMPUTE", "instance", "instance", 3, 18}},
      {"oci_bootvolume", {"oci_bootvolume", "Oracle", "BLOCK_STORAGE", "bootvolume", "bootvolume", 0.3, 2, true}},
      {"oci_vnic", {"oci_vnic", "Oracle", "NETWORK", "vnic", "vnic", 0.2, 2}},
  };
  auto it = all.find(key);
  if (it == all.end()) throw Error(ErrorKind::internal, "demo: no archetype " + key);
  return it->second;
}

double World::daily_cost(const Resource& r, Day d) const {
  if (d < first_day || d > last_day) return 0;
  const auto index = (d - first_day).count();
  const auto day_number = d.time_since_epoch().count();  // absolute: the same day draws the same noise
  const std::uint64_t key = hash_text(r.id);
  double cost = r.base_daily * std::pow(1.0 + r.growth_per_day, static_cast<double>(index));
  const unsigned wd = weekday(d);
  if (wd == 0 || wd == 6) cost *= r.weekend_factor;
  if (r.month_end_bump) {
    const Day next_month = first_of_next_month(d);
    if ((next_month - d).count() <= 2 || d == first_of_month(d)) cost *= 1.4;
  }
  if (r.shift_from && d >= *r.shift_from) cost *= r.shift_factor;
  if (r.spike_from && d >= *r.spike_from) cost *= r.spike_factor;
  double factor = 1.0 + r.noise * std::clamp(hashed_normal(seed, key, day_number), -2.5, 2.5);
  return std::max(0.0, cost * factor);
}

namespace {

struct Region {
  const char* id;
  const char* name;
};

std::string tags_json(const std::vector<std::pair<std::string, std::string>>& tags) {
  if (tags.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < tags.size(); ++i)
    out += (i ? ", " : "") + fmt::format("\"{}\": \"{}\"", tags[i].first, tags[i].second);
  return out + "}";
}

std::string uuid(Random& rng) {
  return rng.hex(8) + "-" + rng.hex(4) + "-4" + rng.hex(3) + "-a" + rng.hex(3) + "-" + rng.hex(12);
}

// Builds resource ids and names in each provider's own shape.
class Builder {
 public:
  Builder(World& world, Random& rng) : world_(world), rng_(rng) {}

  Resource make(const std::string& kind, const Account& account, const std::string& name, Region region) {
    Resource r;
    r.archetype = kind;
    r.account = &account;
    r.name = name;
    r.region_id = region.id;
    r.region_name = region.name;
    const std::string& acct = account.sub_account_id;
    const std::string reg = region.id;
    if (kind == "ec2") r.id = fmt::format("arn:aws:ec2:{}:{}:instance/i-0{}", reg, acct, rng_.hex(16));
    else if (kind == "asg")
      r.id = fmt::format("arn:aws:autoscaling:{}:{}:autoScalingGroup:{}:autoScalingGroupName/{}", reg, acct, uuid(rng_), name);
    else if (kind == "reservation") r.id = fmt::format("arn:aws:ec2:{}:{}:reserved-instances/{}", reg, acct, uuid(rng_));
    else if (kind == "savings_plan") r.id = fmt::format("arn:aws:savingsplans::{}:savingsplan/{}", acct, uuid(rng_));
    else if (kind == "ebs") r.id = fmt::format("arn:aws:ec2:{}:{}:volume/vol-0{}", reg, acct, rng_.hex(16));
    else if (kind == "s3") r.id = fmt::format("arn:aws:s3:::{}", name);
    else if (kind == "rds") r.id = fmt::format("arn:aws:rds:{}:{}:db:{}", reg, acct, name);
    else if (kind == "elb") r.id = fmt::format("arn:aws:elasticloadbalancing:{}:{}:loadbalancer/app/{}/{}", reg, acct, name, rng_.hex(16));
    else if (kind == "lambda") r.id = fmt::format("arn:aws:lambda:{}:{}:function:{}", reg, acct, name);
    else if (kind == "dynamodb") r.id = fmt::format("arn:aws:dynamodb:{}:{}:table/{}", reg, acct, name);
    else if (kind == "sqs") r.id = fmt::format("arn:aws:sqs:{}:{}:{}", reg, acct, name);
    else if (kind == "ecs") r.id = fmt::format("arn:aws:ecs:{}:{}:cluster/{}", reg, acct, name);
    else if (kind == "cloudwatch") r.id = fmt::format("arn:aws:logs:{}:{}:log-group:/aws/{}", reg, acct, name);
    else if (kind == "cloudfront") r.id = fmt::format("arn:aws:cloudfront::{}:distribution/E{}", acct, upper(rng_.hex(13)));
    else if (kind == "azure_storage") r.id = azure(acct, name, "microsoft.storage/storageaccounts");
    else if (kind == "azure_ml") r.id = azure(acct, name, "microsoft.machinelearningservices/workspaces");
    else if (kind == "aks") r.id = azure(acct, name, "microsoft.containerservice/managedclusters");
    else if (kind == "vmss") r.id = azure(acct, name, "microsoft.compute/virtualmachinescalesets");
    else if (kind == "azure_mysql") r.id = azure(acct, name, "microsoft.dbformysql/flexibleservers");
    else if (kind == "oci_compute") r.id = fmt::format("ocid1.instance.oc1.{}.an{}", reg, rng_.hex(58));
    else if (kind == "oci_bootvolume") r.id = fmt::format("ocid1.bootvolume.oc1.{}.ab{}", reg, rng_.hex(58));
    else if (kind == "oci_vnic") r.id = fmt::format("ocid1.vnic.oc1.{}.ab{}", reg, rng_.hex(58));
    else throw Error(ErrorKind::internal, "demo: no id shape for " + kind);
    const auto& a = archetype(kind);
    r.base_daily = std::exp(rng_.uniform(std::log(a.min_daily), std::log(a.max_daily)));
    r.noise = a.storage ? 0.015 : (kind == "lambda" || kind == "sqs" || kind == "dynamodb") ? 0.12 : 0.05;
    r.weekend_factor = a.storage ? 1.0 : 0.9;
    r.growth_per_day = std::clamp(0.0004 + 0.0006 * rng_.normal(), -0.001, 0.002);
    return r;
  }

 private:
  static std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  std::string azure(const std::string& subscription, const std::string& name, const std::string& type) {
    return fmt::format("{}/resourcegroups/{}-rg/providers/{}/{}", subscription, name.substr(0, name.find('-')), type, name);
  }

  [[maybe_unused]] World& world_;  // not used yet (clang: -Wunused-private-field)
  Random& rng_;
};

// The regular resources of one team: `count` of each archetype, named after the team's apps.
struct Portfolio {
  std::string team;  // expected team ("" = unallocated)
  std::vector<std::pair<std::string, int>> kinds;
  std::vector<std::string> apps;
  std::string environment = "prod";
};

const char* role_for(const std::string& kind) {
  static const std::map<std::string, const char*> roles = {
      {"ec2", "node"},      {"ebs", "data"},       {"s3", "assets"},          {"rds", "db"},
      {"elb", "alb"},       {"lambda", "handler"}, {"dynamodb", "table"},     {"sqs", "queue"},
      {"ecs", "cluster"},   {"cloudwatch", "logs"}, {"cloudfront", "cdn"},    {"azure_storage", "store"},
      {"azure_ml", "ml"},   {"aks", "aks"},        {"vmss", "vmss"},          {"azure_mysql", "mysql"},
      {"oci_compute", "vm"}, {"oci_bootvolume", "boot"}, {"oci_vnic", "vnic"}};
  auto it = roles.find(kind);
  return it == roles.end() ? "res" : it->second;
}

std::string azure_name(std::string name) {
  // Storage account names: lower-case letters and digits only.
  std::string out;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  return out.substr(0, 24);
}

}  // namespace

World build_world(std::uint64_t seed, Day first_day, Day last_day) {
  World world;
  world.seed = seed;
  world.first_day = first_day;
  world.last_day = last_day;
  Random rng(seed * 0x2545f4914f6cdd1dULL + 0x5851f42d4c957f2dULL);

  // Billing accounts differ from the shipped sample's, so ingesting the sample (ingest.sources)
  // beside the demo never replaces demo data: ingestion replaces by billing account and period.
  const std::string aws_billing = "310987654321", azure_billing = "/providers/Microsoft.Billing/billingAccounts/7720419",
                    oci_billing = "30318812";
  world.accounts = {
      {"AWS", aws_billing, "SunBird Demo", "43883916739", "payments-prod"},
      {"AWS", aws_billing, "SunBird Demo", "21473187560", "payments-staging"},
      {"AWS", aws_billing, "SunBird Demo", "11353890204", "platform-shared"},
      {"AWS", aws_billing, "SunBird Demo", "18938484842", "data-lake"},
      {"AWS", aws_billing, "SunBird Demo", "85742851457", "sandbox"},
      {"Microsoft", azure_billing, "SunBird Demo", "/subscriptions/3f2c8a91-5d7e-4b1a-9c3e-7a8b6d4e2f10", "platform-azure"},
      {"Microsoft", azure_billing, "SunBird Demo", "/subscriptions/9b1e4c77-2a3d-4f6e-8b5c-1d2e3f4a5b6c", "data-science"},
      {"Oracle", oci_billing, "", "ocid1.tenancy.oc1..aaaaaaaa7dq3m2xkz5vbl4n6r8t0wy1c3e5g7i9k", "platform-oci"},
  };
  const Account &payments_prod = world.accounts[0], &payments_staging = world.accounts[1],
                &platform_aws = world.accounts[2], &data_aws = world.accounts[3], &sandbox = world.accounts[4],
                &platform_azure = world.accounts[5], &data_azure = world.accounts[6], &platform_oci = world.accounts[7];
  const Region us_east{"us-east-1", "US East (N. Virginia)"}, us_west{"us-west-2", "US West (Oregon)"},
      eu_central{"eu-central-1", "EU (Frankfurt)"}, eastus{"eastus", "East US"}, westeurope{"westeurope", "West Europe"},
      sanjose{"us-sanjose-1", "US West (San Jose)"};

  Builder build(world, rng);
  auto& out = world.resources;
  std::map<std::string, int> serial;
  auto name_for = [&](const std::string& app, const std::string& kind) {
    return fmt::format("{}-{}-{}", app, role_for(kind), ++serial[app + kind]);
  };

  // Each team's resources; their tags are written the ways real teams write them, and the example
  // config's attribution rules map all of them to the team.
  struct Plan {
    Portfolio portfolio;
    const Account* account;
    std::vector<Region> regions;
    double target_daily;  // regular resources of this plan together, on a weekday at the start
    std::function<std::vector<std::pair<std::string, std::string>>(const std::string& app, int i)> tags;
    MetricPlan compute_metrics = MetricPlan::cpu_healthy;
    bool month_end = false;
  };
  std::vector<Plan> plans = {
      {{"payments",
        {{"ec2", 22}, {"ebs", 14}, {"rds", 3}, {"elb", 5}, {"dynamodb", 4}, {"sqs", 3}, {"lambda", 10}, {"s3", 5}, {"cloudwatch", 4}},
        {"payments-checkout", "payments-ledger", "payments-fraud", "payments-webhooks"}},
       &payments_prod, {us_east, us_east, eu_central}, 215,
       [](const std::string& app, int i) -> std::vector<std::pair<std::string, std::string>> {
         if (i % 7 == 3) return {};  // untagged, but the payments account rule still finds the team
         if (i % 5 == 1) return {{"application", app}, {"environment", "prod"}, {"owner-team", "pay-team"}};
         return {{"application", app}, {"environment", "prod"}, {"team", "payments"}};
       }},
      {{"payments", {{"ecs", 2}}, {"payments-settlement"}}, &payments_prod, {us_east}, 30,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"application", app}, {"environment", "prod"}, {"team", "payments"}};
       },
       MetricPlan::none, true},
      {{"payments", {{"ec2", 4}, {"rds", 1}}, {"payments-checkout"}, "staging"}, &payments_staging, {us_east}, 35,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"application", app}, {"environment", "staging"}, {"team", "payments"}};
       },
       MetricPlan::none},
      {{"platform",
        {{"ec2", 28}, {"ebs", 20}, {"elb", 8}, {"cloudwatch", 8}, {"s3", 6}, {"ecs", 3}, {"cloudfront", 2}, {"sqs", 4}},
        {"platform-ingress", "platform-observability", "platform-ci", "platform-identity"}},
       &platform_aws, {us_west, us_west, us_east}, 300,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"application", app}, {"environment", "prod"}, {"team", "platform"}};
       }},
      {{"platform", {{"aks", 2}, {"vmss", 3}, {"azure_storage", 4}}, {"platform-aks"}}, &platform_azure, {eastus, westeurope}, 95,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"env", "prod"}, {"application", app}, {"squad", "LahoreSRE"}};
       }},
      {{"platform", {{"oci_compute", 4}, {"oci_bootvolume", 4}, {"oci_vnic", 2}}, {"platform-edge"}}, &platform_oci, {sanjose}, 30,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"application", app}, {"environment", "prod"}, {"business_unit", "JakartaSRE"}};
       }},
      {{"data-platform", {{"ec2", 12}, {"ebs", 8}, {"s3", 8}, {"dynamodb", 3}, {"lambda", 6}}, {"data-ingest", "data-catalog"}},
       &data_aws, {us_east}, 70,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"application", app}, {"environment", "prod"}, {"team", "data-platform"}};
       }},
      {{"data-platform", {{"ecs", 2}, {"rds", 1}}, {"data-etl"}}, &data_aws, {us_east}, 25,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"application", app}, {"environment", "prod"}, {"team", "data-platform"}};
       },
       MetricPlan::none, true},
      {{"data-platform", {{"azure_ml", 3}, {"azure_storage", 8}, {"azure_mysql", 1}}, {"datascience"}}, &data_azure, {eastus}, 40,
       [](const std::string& app, int) -> std::vector<std::pair<std::string, std::string>> {
         return {{"env", "prod"}, {"application", app}, {"business_unit", "ViennaAI"}};
       },
       MetricPlan::cpu_healthy, true},
      {{"", {{"ec2", 8}, {"ebs", 6}, {"s3", 3}, {"rds", 1}, {"lambda", 2}}, {"sandbox-experiment", "tmp-load-test", "jdoe-scratch"}},
       &sandbox, {us_east, us_west}, 150,
       [](const std::string&, int) -> std::vector<std::pair<std::string, std::string>> { return {}; },
       MetricPlan::none},
  };

  for (auto& plan : plans) {
    const std::size_t begin = out.size();
    int i = 0;
    for (const auto& [kind, count] : plan.portfolio.kinds) {
      for (int n = 0; n < count; ++n, ++i) {
        const std::string& app = plan.portfolio.apps[static_cast<std::size_t>(i) % plan.portfolio.apps.size()];
        std::string name = name_for(app, kind);
        if (kind == "azure_storage") name = azure_name(name);
        auto r = build.make(kind, *plan.account, name,
                            plan.regions[static_cast<std::size_t>(i) % plan.regions.size()]);
        r.team = plan.portfolio.team;
        r.environment = plan.portfolio.environment;
        r.tags_json = tags_json(plan.tags(app, i));
        r.month_end_bump = plan.month_end && !archetype(kind).storage;
        if (plan.portfolio.environment != "prod") r.weekend_factor = 0.6;
        if (plan.portfolio.environment == "prod") {
          if (kind == "ec2" || kind == "vmss" || kind == "oci_compute") r.metrics = plan.compute_metrics;
          if (kind == "ebs") r.metrics = MetricPlan::attached;
        }
        out.push_back(std::move(r));
      }
    }
    // Scale the plan's resources to its target, keeping their proportions.
    double sum = 0;
    for (std::size_t k = begin; k < out.size(); ++k) sum += out[k].base_daily;
    for (std::size_t k = begin; k < out.size(); ++k) out[k].base_daily *= plan.target_daily / sum;
  }

  // ---- the stories ----
  const Day last = last_day;
  auto add_story = [&](Resource r, const std::string& story, const std::string& team,
                       std::vector<std::pair<std::string, std::string>> tags) {
    r.story = story;
    r.team = team;
    r.tags_json = tags_json(tags);
    out.push_back(std::move(r));
  };

  {  // A runaway GPU autoscaling group in payments: ~30x for the last three days.
    auto r = build.make("asg", payments_prod, "payments-gpu-inference", us_east);
    r.base_daily = 48.0;
    r.weekend_factor = 1.0;
    r.growth_per_day = 0;
    r.spike_from = last - std::chrono::days{2};
    r.spike_factor = 30.0;
    r.charge_description = "$5.672 per On Demand Linux g5.12xlarge Instance Hour";
    add_story(std::move(r), "spike", "payments",
              {{"application", "payments-fraud"}, {"environment", "prod"}, {"team", "payments"}});
  }
  {  // An oversized database replica: a memory-optimized 8xlarge at ~11 % CPU.
    auto r = build.make("ec2", payments_prod, "payments-ledger-replica", us_east);
    r.base_daily = 48.38;
    r.growth_per_day = 0;
    r.weekend_factor = 1.0;
    r.noise = 0.01;
    r.metrics = MetricPlan::cpu_oversized;
    r.charge_description = "$2.016 per On Demand Linux r5.8xlarge Instance Hour";
    add_story(std::move(r), "oversized_instance", "payments",
              {{"application", "payments-ledger"}, {"environment", "prod"}, {"team", "payments"}});
  }
  {  // A forgotten bastion: idle for weeks.
    auto r = build.make("ec2", platform_aws, "platform-bastion-legacy", us_west);
    r.base_daily = 9.22;
    r.growth_per_day = 0;
    r.weekend_factor = 1.0;
    r.noise = 0.005;
    r.metrics = MetricPlan::cpu_idle;
    r.charge_description = "$0.384 per On Demand Linux m5.2xlarge Instance Hour";
    add_story(std::move(r), "idle_compute", "platform",
              {{"application", "platform-identity"}, {"environment", "prod"}, {"team", "platform"}});
  }
  {  // A volume left behind by a decommissioned CI server.
    auto r = build.make("ebs", platform_aws, "platform-jenkins-data-old", us_west);
    r.base_daily = 6.40;
    r.growth_per_day = 0;
    r.noise = 0.002;
    r.metrics = MetricPlan::detached_recently;
    r.charge_description = "$0.10 per GB-month of General Purpose SSD (gp2) provisioned storage - US West (Oregon)";
    add_story(std::move(r), "unattached_storage", "platform",
              {{"application", "platform-ci"}, {"environment", "prod"}, {"team", "platform"}});
  }
  {  // A one-year reservation for instances that were migrated away.
    auto r = build.make("reservation", platform_aws, "platform-ri-m5-fleet", us_east);
    r.base_daily = 38.0;
    r.growth_per_day = 0;
    r.noise = 0;
    r.commitment_id = r.id;
    r.metrics = MetricPlan::commitment_low;
    r.charge_description = "Reserved Instance fee: 12 x m5.xlarge Linux, 1 year, No Upfront (amortized daily)";
    add_story(std::move(r), "unused_commitment", "platform", {{"environment", "prod"}, {"team", "platform"}});
  }
  {  // A healthy savings plan beside it: the unused-commitment rule must leave this one alone.
    auto r = build.make("savings_plan", platform_aws, "platform-compute-sp", us_east);
    r.base_daily = 55.0;
    r.growth_per_day = 0;
    r.noise = 0;
    r.commitment_id = r.id;
    r.metrics = MetricPlan::commitment_high;
    r.charge_description = "Compute Savings Plan commitment, 1 year, No Upfront (amortized daily)";
    add_story(std::move(r), "", "platform", {{"environment", "prod"}, {"team", "platform"}});
  }
  {  // A staging ETL runner nobody stops at night.
    auto r = build.make("ec2", data_aws, "staging-etl-runner", us_east);
    r.base_daily = 16.32;
    r.growth_per_day = 0;
    r.weekend_factor = 1.0;
    r.environment = "staging";
    r.metrics = MetricPlan::cpu_always_on;
    r.charge_description = "$0.68 per On Demand Linux c5.4xlarge Instance Hour";
    add_story(std::move(r), "off_hours_nonprod", "data-platform",
              {{"application", "data-etl"}, {"environment", "staging"}, {"team", "data-platform"}});
  }
  {  // A dev build agent that does stop at night: the off-hours rule must leave it alone.
    auto r = build.make("ec2", platform_aws, "platform-dev-build-agent", us_west);
    r.base_daily = 7.5;
    r.growth_per_day = 0;
    r.weekend_factor = 0.2;
    r.environment = "dev";
    r.metrics = MetricPlan::cpu_business_hours;
    add_story(std::move(r), "", "platform", {{"application", "platform-ci"}, {"environment", "dev"}, {"team", "platform"}});
  }
  {  // The analytics warehouse moved to a bigger tier three weeks ago and stayed there.
    auto r = build.make("rds", data_aws, "data-warehouse-analytics", us_east);
    r.base_daily = 60.0;
    r.growth_per_day = 0;
    r.weekend_factor = 1.0;
    r.noise = 0.03;
    r.shift_from = last - std::chrono::days{20};
    r.shift_factor = 2.5;
    r.charge_description = "USD 6.24 per RDS db.r6g.4xlarge Multi-AZ instance hour (or partial hour) running PostgreSQL";
    add_story(std::move(r), "level_shift", "data-platform",
              {{"application", "data-warehouse"}, {"environment", "prod"}, {"team", "data-platform"}});
  }
  {  // A raw-events bucket that grows about 1.6 % a day and is never expired.
    auto r = build.make("s3", data_aws, "data-lake-raw-events", us_east);
    r.base_daily = 24.0;
    r.growth_per_day = 0.016;
    r.noise = 0.01;
    r.charge_description = "$0.023 per GB - first 50 TB / month of storage used";
    add_story(std::move(r), "slow_growth", "data-platform",
              {{"application", "data-ingest"}, {"environment", "prod"}, {"team", "data-platform"}});
  }
  return world;
}

}  // namespace costbot::demo
