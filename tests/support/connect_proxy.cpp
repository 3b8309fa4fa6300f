#include "tests/support/connect_proxy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace costbot::testing {
namespace {

void write_all_to(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

int connect_to_authority(const std::string& host, const std::string& port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string bare = host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host;
  if (::getaddrinfo(bare.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (auto* a = found; a; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  return fd;
}

// host:port (IPv6 in brackets) → the two parts.
std::pair<std::string, std::string> split_authority(const std::string& authority) {
  auto colon = authority.rfind(':');
  if (colon == std::string::npos || (authority.find(']') != std::string::npos && colon < authority.find(']')))
    return {authority, "80"};
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

}  // namespace

struct ConnectProxy::Impl {
  ConnectProxyOptions options;
  int listener = -1;
  unsigned short port = 0;
  std::atomic<bool> stopping{false};
  std::thread acceptor;
  mutable std::mutex mutex;
  std::vector<ProxiedRequest> seen;
  std::vector<std::thread> workers;
  std::vector<int> open_fds;
  std::atomic<std::size_t> relayed{0};

  void track(int fd) {
    std::lock_guard lock(mutex);
    open_fds.push_back(fd);
  }

  // Copies bytes both ways until either side closes.
  void relay(int a, int b) {
    char buffer[16384];
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    while (!stopping) {
      if (::poll(fds, 2, 100) < 0) return;
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
        if (n <= 0) return;
        relayed += static_cast<std::size_t>(n);
        write_all_to(fds[1 - i].fd, buffer, static_cast<std::size_t>(n));
      }
    }
  }

  void serve(int client) {
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      if (::recv(client, &c, 1, 0) != 1) return;
      head.push_back(c);
    }
    ProxiedRequest request;
    auto line_end = head.find("\r\n");
    std::string line = head.substr(0, line_end);
    auto sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) return;
    request.method = line.substr(0, sp1);
    request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string lower = head;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (auto at = lower.find("\r\nproxy-authorization:"); at != std::string::npos) {
      auto start = at + std::strlen("\r\nproxy-authorization:");
      auto end = head.find("\r\n", start);
      request.authorization = head.substr(start, end - start);
      while (!request.authorization.empty() && request.authorization.front() == ' ') request.authorization.erase(0, 1);
    }
    {
      std::lock_guard lock(mutex);
      seen.push_back(request);
    }
    auto refuse = [&](int status, const char* reason) {
      std::string answer = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                           "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      write_all_to(client, answer.data(), answer.size());
    };
    if (options.refuse_with) return refuse(options.refuse_with, "Refused");
    if (!options.require_authorization.empty() && request.authorization != options.require_authorization)
      return refuse(407, "Proxy Authentication Required");

    if (request.method == "CONNECT") {
      auto [host, port] = split_authority(request.target);
      int upstream = connect_to_authority(host, port);
      if (upstream < 0) return refuse(502, "Bad Gateway");
      track(upstream);
      const std::string ok = "HTTP/1.1 200 Connection established\r\n\r\n";
      write_all_to(client, ok.data(), ok.size());
      relay(client, upstream);
      return;
    }
    // Absolute form: http://host:port/path → origin form to the origin, then relay the exchange.
    const std::string scheme = "http://";
    if (request.target.rfind(scheme, 0) != 0) return refuse(400, "Bad Request");
    auto path_at = request.target.find('/', scheme.size());
    std::string authority = request.target.substr(scheme.size(), path_at - scheme.size());
    std::string path = path_at == std::string::npos ? "/" : request.target.substr(path_at);
    auto [host, port] = split_authority(authority);
    int upstream = connect_to_authority(host, port);
    if (upstream < 0) return refuse(502, "Bad Gateway");
    track(upstream);
    std::string forwarded = request.method + " " + path + " HTTP/1.1" + head.substr(line_end);
    write_all_to(upstream, forwarded.data(), forwarded.size());
    relay(client, upstream);
  }
};

ConnectProxy::ConnectProxy(ConnectProxyOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(impl_->listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(impl_->listener, 64) != 0)
    throw std::runtime_error("test proxy: cannot listen on loopback");
  socklen_t len = sizeof addr;
  ::getsockname(impl_->listener, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->port = ntohs(addr.sin_port);
  impl_->acceptor = std::thread([impl = impl_.get()] {
    while (!impl->stopping) {
      pollfd pfd{impl->listener, POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      int client = ::accept4(impl->listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      impl->track(client);
      std::lock_guard lock(impl->mutex);
      impl->workers.emplace_back([impl, client] { impl->serve(client); ::shutdown(client, SHUT_RDWR); });
    }
  });
}

ConnectProxy::~ConnectProxy() {
  impl_->stopping = true;
  impl_->acceptor.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(impl_->mutex);
    for (int fd : impl_->open_fds) ::shutdown(fd, SHUT_RDWR);
    workers.swap(impl_->workers);
  }
  for (auto& t : workers) t.join();
  for (int fd : impl_->open_fds) ::close(fd);
  ::close(impl_->listener);
}

std::string ConnectProxy::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }
unsigned short ConnectProxy::port() const { return impl_->port; }
std::vector<ProxiedRequest> ConnectProxy::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}
std::size_t ConnectProxy::tunnelled_bytes() const { return impl_->relayed; }

}  // namespace costbot::testing
