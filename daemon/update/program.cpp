// SPDX-License-Identifier: Apache-2.0
#include "daemon/update/program.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/unique_fd.hpp"

extern char** environ;

namespace locker::update {

namespace {

namespace asio = boost::asio;

// glibc 2.36 has wrappers, older ones do not: the system calls are the same.
int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_kill(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return {};
  const auto begin = text.rfind('\n', end);
  return text.substr(begin == std::string::npos ? 0 : begin + 1,
                     end - (begin == std::string::npos ? 0 : begin + 1) + 1);
}

}  // namespace

std::string program_result::describe() const {
  if (!started) return error;
  if (timed_out) return "did not finish in time (killed)";
  std::string s =
      exit_code >= 0 ? "exit status " + std::to_string(exit_code) : "killed by a signal";
  if (const auto l = last_line(err); !l.empty()) s += ": " + l;
  return s;
}

class program_run::impl : public std::enable_shared_from_this<program_run::impl> {
 public:
  impl(asio::io_context& io, drivers::clock& clock, line_fn on_line, done_fn done)
      : out_(io),
        err_(io),
        pidfd_(io),
        timer_(clock),
        on_line_(std::move(on_line)),
        done_(std::move(done)) {}

  // Returns an error message, or "" once the program runs.
  std::string spawn(const std::vector<std::string>& argv) {
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    const bool piped = ::pipe2(out, O_CLOEXEC) == 0 && ::pipe2(err, O_CLOEXEC) == 0;
    const std::string pipe_error = piped ? "" : std::strerror(errno);
    base::unique_fd out_read(out[0]), out_write(out[1]), err_read(err[0]), err_write(err[1]);
    if (!piped) return "cannot make a pipe: " + pipe_error;
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    ::posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&files, out_write.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(&files, err_write.get(), STDERR_FILENO);
    // The daemon ignores nothing, but a helper must start with default signal handling.
    posix_spawnattr_t attr;
    ::posix_spawnattr_init(&attr);
    sigset_t all;
    sigfillset(&all);
    sigset_t none;
    sigemptyset(&none);
    ::posix_spawnattr_setsigdefault(&attr, &all);
    ::posix_spawnattr_setsigmask(&attr, &none);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    const int rc = ::posix_spawn(&pid_, args[0], &files, &attr, args.data(), environ);
    ::posix_spawnattr_destroy(&attr);
    ::posix_spawn_file_actions_destroy(&files);
    // The child has its own copies of the write ends; ours would keep the pipes from ending.
    out_write.reset();
    err_write.reset();
    if (rc != 0) {
      pid_ = -1;
      return "cannot start " + argv[0] + ": " + std::strerror(rc);
    }
    out_.assign(out_read.release());
    err_.assign(err_read.release());
    const int pidfd = pidfd_open(pid_);
    if (pidfd < 0) {
      const std::string why = std::strerror(errno);
      ::kill(pid_, SIGKILL);
      reap();
      return "cannot watch " + argv[0] + ": pidfd_open: " + why;
    }
    pidfd_.assign(pidfd);
    result_.started = true;
    return {};
  }

  void begin(std::chrono::milliseconds deadline) {
    read_out();
    read_err();
    auto self = shared_from_this();
    pidfd_.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self](const boost::system::error_code& ec) {
                        if (ec) return;
                        self->reap();
                        self->exited_ = true;
                        self->maybe_done();
                      });
    timer_.start(deadline, [this] {
      result_.timed_out = true;
      if (pidfd_.is_open()) pidfd_kill(pidfd_.native_handle(), SIGKILL);
      // A child of its own may still hold the pipes: stop reading them, the end is its exit.
      boost::system::error_code ignored;
      out_.close(ignored);
      err_.close(ignored);
      out_done_ = err_done_ = true;
      maybe_done();
    });
  }

  // Owner gone: nothing more is reported; the program is killed and reaped now.
  void abandon() {
    done_ = nullptr;
    on_line_ = nullptr;
    timer_.cancel();
    if (pid_ > 0) {
      if (pidfd_.is_open()) pidfd_kill(pidfd_.native_handle(), SIGKILL);
      reap();
    }
    boost::system::error_code ignored;
    out_.close(ignored);
    err_.close(ignored);
    pidfd_.close(ignored);
  }

  void fail_later(asio::io_context& io, std::string why) {
    result_.error = std::move(why);
    asio::post(io, [self = shared_from_this()] {
      if (auto done = std::move(self->done_)) done(self->result_);
    });
  }

 private:
  void reap() {
    if (pid_ <= 0) return;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    result_.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void read_out() {
    auto self = shared_from_this();
    out_.async_read_some(asio::buffer(out_buf_),
                         [self](const boost::system::error_code& ec, std::size_t n) {
                           if (n > 0) self->take_out(std::string_view(self->out_buf_.data(), n));
                           if (ec) {
                             if (ec == asio::error::operation_aborted) return;
                             if (!self->line_.empty() && self->on_line_)
                               self->on_line_(self->line_);
                             self->line_.clear();
                             self->out_done_ = true;
                             self->maybe_done();
                             return;
                           }
                           self->read_out();
                         });
  }

  void read_err() {
    auto self = shared_from_this();
    err_.async_read_some(asio::buffer(err_buf_), [self](const boost::system::error_code& ec,
                                                        std::size_t n) {
      if (n > 0) {
        auto& e = self->result_.err;
        e.append(self->err_buf_.data(), std::min(n, max_output - std::min(max_output, e.size())));
      }
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        self->err_done_ = true;
        self->maybe_done();
        return;
      }
      self->read_err();
    });
  }

  void take_out(std::string_view chunk) {
    auto& o = result_.out;
    o.append(chunk.data(), std::min(chunk.size(), max_output - std::min(max_output, o.size())));
    for (char c : chunk) {
      if (c == '\n') {
        if (on_line_) on_line_(line_);
        line_.clear();
      } else if (line_.size() < 4096) {
        line_.push_back(c);
      }
    }
  }

  void maybe_done() {
    if (!(exited_ && out_done_ && err_done_)) return;
    timer_.cancel();
    boost::system::error_code ignored;
    pidfd_.close(ignored);
    if (auto done = std::move(done_)) done(result_);
  }

  asio::posix::stream_descriptor out_;
  asio::posix::stream_descriptor err_;
  asio::posix::stream_descriptor pidfd_;
  drivers::timer timer_;
  line_fn on_line_;
  done_fn done_;
  pid_t pid_ = -1;
  program_result result_;
  std::array<char, 4096> out_buf_{};
  std::array<char, 4096> err_buf_{};
  std::string line_;
  bool exited_ = false;
  bool out_done_ = false;
  bool err_done_ = false;
};

std::unique_ptr<program_run> program_run::start(asio::io_context& io, drivers::clock& clock,
                                                std::vector<std::string> argv,
                                                std::chrono::milliseconds deadline, line_fn on_line,
                                                done_fn done) {
  auto i = std::make_shared<impl>(io, clock, std::move(on_line), std::move(done));
  if (argv.empty() || argv[0].empty() || argv[0][0] != '/') {
    i->fail_later(io, "not an absolute program path: " + (argv.empty() ? "" : argv[0]));
  } else if (auto why = i->spawn(argv); !why.empty()) {
    i->fail_later(io, std::move(why));
  } else {
    i->begin(deadline);
  }
  return std::unique_ptr<program_run>(new program_run(std::move(i)));
}

program_run::~program_run() { impl_->abandon(); }

}  // namespace locker::update
