#pragma once
// The detection engine in chat: registers `anomalies [open|all] [TEAM]`, `budget [TEAM]` and
// `forecast [TEAM]` on the service's command dispatcher (replies: detection_replies.hpp). Called
// once by `costbot serve`.
namespace costbot::service {
class Service;
}

namespace costbot::detection_chat {

void install(service::Service& service);

}  // namespace costbot::detection_chat
