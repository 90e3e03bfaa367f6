// SPDX-License-Identifier: Apache-2.0
// The systemd notification protocol (sd_notify(3)): newline-separated VAR=value assignments,
// one datagram per message, sent to the AF_UNIX socket named by $NOTIFY_SOCKET. A name that
// starts with '@' is in the abstract namespace. Spoken directly rather than through
// libsystemd so the daemon has no runtime dependency on it and the tests can point it at
// their own socket.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace locker::service {

class notifier {
 public:
  // Inert: every send succeeds and does nothing (not started by systemd, or Type=simple).
  notifier() = default;
  // socket_name: a path ("/run/systemd/notify") or an abstract name ("@name"); "" = inert.
  explicit notifier(std::string socket_name);
  // Uses $NOTIFY_SOCKET; inert when it is unset or empty.
  [[nodiscard]] static notifier from_environment();

  notifier(notifier&& other) noexcept;
  notifier& operator=(notifier&& other) noexcept;
  notifier(const notifier&) = delete;
  notifier& operator=(const notifier&) = delete;
  ~notifier();

  // True when messages go somewhere.
  [[nodiscard]] bool enabled() const { return !socket_name_.empty(); }
  [[nodiscard]] const std::string& socket_name() const { return socket_name_; }

  // Sends one message, e.g. "READY=1" or "STATUS=...\nWATCHDOG=1". Never blocks and never
  // throws: it runs on the event loop, and a lost notification must not stop the locker.
  // Returns the reason when the message did not go out (an inert notifier never fails).
  std::error_code send(std::string_view message);

  // Start-up is complete: the service is now "active".
  std::error_code notify_ready() { return send("READY=1"); }
  // Shutdown has begun: systemd stops expecting watchdog pings' absence to mean a hang.
  std::error_code notify_stopping() { return send("STOPPING=1"); }
  // One line of free text shown by `systemctl status`. Newlines are replaced by spaces, so
  // the text cannot smuggle in other assignments.
  std::error_code notify_status(std::string_view text);
  // The loop is alive.
  std::error_code notify_watchdog() { return send("WATCHDOG=1"); }

 private:
  void close_socket();

  std::string socket_name_;
  int fd_ = -1;  // opened on first send
};

}  // namespace locker::service
