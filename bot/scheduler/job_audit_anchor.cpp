// The audit log's anchors (issue 15): its head written where the database's writer cannot rewrite
// it, so that cutting rows off the end and rewinding audit_head is caught by `audit verify`.
//   audit_anchor        every minute: a new head goes to the log and to audit.anchor_file
//   audit_anchor_daily  once a day: the head is posted to audit.anchor_channel (slack:, teams:, web:)
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>

#include "bot/scheduler/jobs.hpp"
#include "engine/audit/audit.hpp"
#include "engine/outbox/outbox.hpp"
#include "engine/util/error.hpp"
#include "engine/util/time.hpp"

namespace costbot::scheduler {
namespace {

// O_APPEND + fsync: each anchor line lands whole at the end, and survives a crash right after.
void append_anchor(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) throw Error(ErrorKind::unavailable, "cannot open audit.anchor_file " + path + ": " + std::strerror(errno));
  std::string text = line + "\n";
  auto written = ::write(fd, text.data(), text.size());
  ::fsync(fd);
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size()))
    throw Error(ErrorKind::unavailable, "cannot append to audit.anchor_file " + path);
}

}  // namespace

JobFn audit_anchor_job() {
  auto last = std::make_shared<std::atomic<std::int64_t>>(-1);
  return [last](JobContext& ctx) {
    auto head = audit::head(ctx.db);
    if (head.id == last->load()) {
      ctx.message = "head unchanged (row " + std::to_string(head.id) + ")";
      return;
    }
    const auto line = audit::anchor_line(head);
    spdlog::info("{}", line);  // the log is an anchor of its own
    if (!ctx.config.audit.anchor_file.empty())
      append_anchor(ctx.config.audit.anchor_file, format_instant(ctx.clock.now()) + " " + line);
    last->store(head.id);
    ctx.message = line;
  };
}

JobFn audit_anchor_daily_job() {
  return [](JobContext& ctx) {
    const auto& target = ctx.config.audit.anchor_channel;
    if (target.empty()) {
      ctx.message = "no audit.anchor_channel";
      return;
    }
    auto head = audit::head(ctx.db);
    const auto now = ctx.clock.now();
    const auto text = "costbot " + audit::anchor_line(head) + " (" + format_instant(now) +
                      "). Keep this message: `costbot audit verify --anchors FILE` checks the log against it.";
    const auto colon = target.find(':');
    const auto kind = target.substr(0, colon), where = target.substr(colon + 1);
    outbox::Effect effect;
    effect.idempotency_key = "audit.anchor:" + format_day(day_of(now));
    if (kind == "slack") {
      effect.kind = "slack.post_message";
      effect.payload = {{"channel", where}, {"text", text}};
    } else if (kind == "teams") {
      effect.kind = "teams.send_activity";
      effect.payload = {{"conversation", where}, {"activity", {{"type", "message"}, {"text", text}}}};
    } else {
      effect.kind = "web.post";
      effect.payload = {{"feed", where}, {"subject", "audit:" + format_day(day_of(now))}, {"title", "Audit log anchor"},
                        {"text", text}, {"version", head.id}};
    }
    auto tx = ctx.db.begin_write();
    outbox::enqueue(ctx.db, effect, now);
    tx.commit();
    ctx.changed_data = true;
    ctx.message = "posted " + audit::anchor_line(head) + " to " + target;
  };
}

}  // namespace costbot::scheduler
