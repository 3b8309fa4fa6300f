#pragma once
// Replies every chat adapter sends around a command: the "working on it" ack for slow work and
// the apology for a failure (with the request id to quote, never the internal error).
#include <string>

#include "bot/commands/command.hpp"
#include "engine/chat/reply.hpp"

namespace costbot::commands {

chat::Reply working_on(const Command& command);
chat::Reply failure(const std::string& request_id);

}  // namespace costbot::commands
