#include "tests/support/fake_smtp_server.hpp"

#include <boost/asio.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "engine/util/strings.hpp"

namespace costbot::testing {
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string SmtpMessage::header(const std::string& name) const {
  for (const auto& line : text::split(data, '\n')) {
    std::string l = line;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty()) break;
    if (text::starts_with_icase(l, name + ":")) return std::string(text::trim(l.substr(name.size() + 1)));
  }
  return {};
}

std::string SmtpMessage::body() const {
  auto at = data.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : data.substr(at + 4);
}

struct FakeSmtpServer::Impl {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::thread accept_thread;
  std::vector<std::thread> sessions;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<SmtpMessage> messages;
  std::vector<std::string> violations, transcript;
  std::set<std::string> rejected;
  bool stopping = false;

  void violation(std::string what) {
    std::lock_guard lock(mutex);
    violations.push_back(std::move(what));
  }

  // One line ending in LF; notes a line that did not end in CRLF.
  static bool read_line(tcp::socket& s, std::string& buffer, std::string& line, bool& crlf) {
    boost::system::error_code ec;
    std::size_t n = net::read_until(s, net::dynamic_buffer(buffer), '\n', ec);
    if (ec) return false;
    line = buffer.substr(0, n);
    buffer.erase(0, n);
    crlf = line.size() >= 2 && line[line.size() - 2] == '\r';
    line.erase(line.size() - (crlf ? 2 : 1));
    return true;
  }

  static void write(tcp::socket& s, const std::string& text) {
    boost::system::error_code ec;
    net::write(s, net::buffer(text), ec);
  }

  void serve(tcp::socket s) {
    std::string buffer, line;
    bool crlf = true;
    SmtpMessage current;
    bool greeted = false;
    write(s, "220 fake-smtp ESMTP ready\r\n");
    while (read_line(s, buffer, line, crlf)) {
      {
        std::lock_guard lock(mutex);
        transcript.push_back(line);
      }
      if (!crlf) violation("command line without CRLF: " + line);
      const std::string upper = [&] {
        std::string u = line.substr(0, std::min<std::size_t>(line.size(), 10));
        for (auto& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return u;
      }();
      if (upper.rfind("EHLO ", 0) == 0 || upper.rfind("HELO ", 0) == 0) {
        greeted = true;
        current = SmtpMessage{};
        current.helo = line.substr(5);
        write(s, upper[0] == 'E' ? "250-fake-smtp\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n" : "250 fake-smtp\r\n");
      } else if (upper.rfind("MAIL FROM:", 0) == 0) {
        if (!greeted) violation("MAIL before EHLO");
        auto open = line.find('<'), close = line.find('>');
        current.mail_from = open != std::string::npos && close != std::string::npos ? line.substr(open + 1, close - open - 1) : "";
        current.rcpt_to.clear();
        write(s, "250 2.1.0 Ok\r\n");
      } else if (upper.rfind("RCPT TO:", 0) == 0) {
        if (current.mail_from.empty()) violation("RCPT before MAIL");
        auto open = line.find('<'), close = line.find('>');
        std::string to = open != std::string::npos && close != std::string::npos ? line.substr(open + 1, close - open - 1) : "";
        bool refuse;
        {
          std::lock_guard lock(mutex);
          refuse = rejected.count(to) > 0;
        }
        if (refuse) {
          write(s, "550 5.1.1 <" + to + ">: Recipient address rejected\r\n");
        } else {
          current.rcpt_to.push_back(to);
          write(s, "250 2.1.5 Ok\r\n");
        }
      } else if (upper.rfind("DATA", 0) == 0) {
        if (current.rcpt_to.empty()) {
          violation("DATA without an accepted recipient");
          write(s, "554 5.5.1 No valid recipients\r\n");
          continue;
        }
        write(s, "354 End data with <CR><LF>.<CR><LF>\r\n");
        std::string data;
        bool ended = false;
        while (read_line(s, buffer, line, crlf)) {
          if (!crlf) violation("data line without CRLF (bare LF)");
          if (line == ".") {
            ended = true;
            break;
          }
          if (!line.empty() && line[0] == '.') line.erase(0, 1);  // dot-stuffing
          data += line + "\r\n";
        }
        if (!ended) return;
        current.data = data;
        {
          std::lock_guard lock(mutex);
          messages.push_back(current);
        }
        changed.notify_all();
        current.rcpt_to.clear();
        current.mail_from.clear();
        write(s, "250 2.0.0 Ok: queued\r\n");
      } else if (upper.rfind("RSET", 0) == 0) {
        current.mail_from.clear();
        current.rcpt_to.clear();
        write(s, "250 2.0.0 Ok\r\n");
      } else if (upper.rfind("NOOP", 0) == 0) {
        write(s, "250 2.0.0 Ok\r\n");
      } else if (upper.rfind("QUIT", 0) == 0) {
        write(s, "221 2.0.0 Bye\r\n");
        return;
      } else {
        violation("unknown command: " + line);
        write(s, "502 5.5.2 Error: command not recognized\r\n");
      }
    }
  }

  void accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      std::lock_guard lock(mutex);
      if (stopping || ec) return;
      sessions.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }
};

FakeSmtpServer::FakeSmtpServer() : impl_(std::make_unique<Impl>()) {
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

FakeSmtpServer::~FakeSmtpServer() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  // Wake the blocking accept with a connection of our own, then join everything.
  boost::system::error_code ec;
  tcp::socket poke(impl_->io);
  poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()), ec);
  impl_->accept_thread.join();
  for (auto& t : impl_->sessions) t.join();
}

unsigned short FakeSmtpServer::port() const { return impl_->acceptor.local_endpoint().port(); }
std::string FakeSmtpServer::url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }

void FakeSmtpServer::reject(const std::string& address) {
  std::lock_guard lock(impl_->mutex);
  impl_->rejected.insert(address);
}

std::vector<SmtpMessage> FakeSmtpServer::messages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->messages;
}

std::vector<std::string> FakeSmtpServer::violations() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->violations;
}

std::vector<std::string> FakeSmtpServer::transcript() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->transcript;
}

bool FakeSmtpServer::wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->messages.size() >= count; });
}

}  // namespace costbot::testing
