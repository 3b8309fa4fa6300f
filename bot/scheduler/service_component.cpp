#include "bot/scheduler/service_component.hpp"

#include <spdlog/spdlog.h>

#include "bot/scheduler/jobs.hpp"
#include "bot/service/service.hpp"
#include "engine/util/strings.hpp"

namespace costbot::scheduler {
namespace {

class SchedulerComponent final : public service::Component {
 public:
  explicit SchedulerComponent(std::string templates_root) : templates_root_(std::move(templates_root)) {}

  std::string name() const override { return "scheduler"; }

  void start(service::Service& svc) override {
    SchedulerOptions options;
    options.database_path = svc.config().database.path;
    options.clock = &svc.clock();
    // A run that queued effects (approval reminders, alerts) gets them delivered at once.
    options.on_run_finished = [&svc](const JobRun& run) {
      if (run.changed_data) svc.wake_outbox();
    };
    scheduler_ = std::make_unique<Scheduler>(svc.config(), std::move(options));
    auto missing = add_configured_jobs(*scheduler_, svc.config(), available_jobs({templates_root_}));
    if (!missing.empty())
      spdlog::warn("scheduler: configured job(s) not part of this build, not run: {}", text::join(missing, ", "));
    for (const auto& job : scheduler_->status()) {
      std::string trigger = job.cron;
      if (!job.after.empty()) trigger += (trigger.empty() ? "" : " and ") + std::string("after ") + job.after;
      spdlog::info("job {}: {}", job.name, job.enabled ? trigger : std::string("disabled"));
    }
    scheduler_->start();
  }

  void stop() override {
    if (scheduler_) scheduler_->stop();  // waits for running jobs
  }

 private:
  std::string templates_root_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace

void install(service::Service& svc, std::string templates_root) {
  svc.add_component(std::make_shared<SchedulerComponent>(std::move(templates_root)));
}

}  // namespace costbot::scheduler
