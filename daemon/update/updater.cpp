// SPDX-License-Identifier: Apache-2.0
#include "daemon/update/updater.hpp"

#include <exception>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/log/log.hpp"
#include "daemon/update/bundle.hpp"
#include "daemon/update/version.hpp"

namespace locker::update {

namespace {

namespace fs = std::filesystem;
using protocol::error_code;
using store::update_state;

constexpr std::string_view component = "update";
constexpr std::string_view bundle_suffix = ".raucb";  // RAUC insists on it

protocol::job_state to_job_state(update_state s) {
  switch (s) {
    case update_state::downloading:
      return protocol::job_state::downloading;
    case update_state::verifying:
      return protocol::job_state::verifying;
    case update_state::installing:
      return protocol::job_state::installing;
    case update_state::rebooting:
      return protocol::job_state::rebooting;
    case update_state::done:
      return protocol::job_state::done;
    case update_state::failed:
      return protocol::job_state::failed;
  }
  return protocol::job_state::failed;
}

bool finished(update_state s) { return s == update_state::done || s == update_state::failed; }

}  // namespace

updater::updater(boost::asio::io_context& io, drivers::clock& clock, store::store& db,
                 const protocol::topic_set& topics, update_settings settings, busy_check busy,
                 mqtt::broker_link& link)
    : io_(io),
      clock_(clock),
      db_(db),
      topics_(topics),
      settings_(std::move(settings)),
      busy_(std::move(busy)),
      link_(link),
      retry_timer_(clock),
      worker_(io) {}

updater::~updater() = default;

// ---- the command ------------------------------------------------------------------------

protocol::reply updater::accept(store::transaction& tx, const std::string& req_id,
                                const protocol::fw_update& a) {
  if (!enabled())
    return protocol::error_reply(req_id, error_code::conflict,
                                 "software updates are not configured on this locker "
                                 "([update] keyring)");
  if (const auto before = db_.update_jobs().find(a.job_id))
    return protocol::error_reply(
        req_id, error_code::conflict,
        "job_id was used before (" + std::string(store::to_string(before->state)) + ")");
  if (const auto running = db_.update_jobs().unfinished())
    return protocol::error_reply(req_id, error_code::busy,
                                 "update job " + running->job_id + " is still running (" +
                                     std::string(store::to_string(running->state)) + ")");
  if (const auto why = busy_ ? busy_() : std::nullopt)
    return protocol::error_reply(req_id, error_code::busy, *why + "; try again later");
  if (const auto source = parse_bundle_url(a.url); !source)
    return protocol::error_reply(req_id, error_code::bad_request, source.error());
  store::update_job_record job;
  job.job_id = a.job_id;
  job.req_id = req_id;
  job.url = a.url;
  job.sha256 = a.sha256;
  job.state = update_state::downloading;
  job.from_version = settings_.running_version;
  job.created_at = job.updated_at = clock_.wall_now();
  db_.update_jobs().create(tx, job);
  return protocol::accepted_reply(req_id);
}

void updater::start(const std::string& job_id) {
  auto j = job(job_id);
  if (!j || j->state != update_state::downloading) return;
  log::info(component, "job ", job_id, ": fetching ", j->url);
  publish(*j, std::nullopt, std::nullopt);
  std::error_code ec;
  fs::create_directories(settings_.staging_dir, ec);
  if (ec) return fail(job_id, "cannot make the staging folder: " + ec.message());
  auto source = parse_bundle_url(j->url);
  if (!source) return fail(job_id, source.error());
  fetch_settings fs_settings{settings_.download_ca_file, settings_.max_bundle_bytes,
                             settings_.download_timeout};
  const auto alive = alive_.token();
  fetch_ = fetch::start(io_, clock_, std::move(source.value()), bundle_path(job_id), fs_settings,
                        [this, alive, job_id](const outcome<std::uint64_t>& size) {
                          if (!alive) return;
                          fetched(job_id, size);
                        });
}

void updater::fetched(const std::string& job_id, const outcome<std::uint64_t>& size) {
  if (!size) return fail(job_id, "download failed: " + size.error());
  auto j = job(job_id);
  if (!j) return;
  log::info(component, "job ", job_id, ": ", size.value(), " bytes fetched; verifying");
  advance(*j, update_state::verifying);
  // Hashing and checking the signature read the whole bundle: off the loop.
  const auto alive = alive_.token();
  worker_.run([this, alive, job_id, path = bundle_path(job_id), keyring = settings_.keyring,
               expected = j->sha256](const std::atomic<bool>&) -> worker::then_fn {
    outcome<std::string> result = protocol::fail(std::string());
    const auto sha = file_sha256(path);
    if (!sha) {
      result = protocol::fail(sha.error());
    } else if (sha.value() != expected) {
      result = protocol::fail("sha256 mismatch: the bundle's is " + sha.value());
    } else {
      const auto v = verify_bundle(path, keyring);
      result = v ? outcome<std::string>(v->signer) : protocol::fail(v.error());
    }
    return [this, alive, job_id, result = std::move(result)] {
      if (alive) verified(job_id, result);
    };
  });
}

void updater::verified(const std::string& job_id, const outcome<std::string>& signer) {
  if (!signer) return fail(job_id, signer.error());
  log::info(component, "job ", job_id, ": sha256 and signature good (signed by ", signer.value(),
            "); reading the manifest");
  // RAUC checks the signature again while reading the manifest: two readers, one verdict.
  const auto alive = alive_.token();
  program_ = program_run::start(
      io_, clock_,
      {settings_.rauc.string(), "info", "--keyring=" + settings_.keyring.string(),
       "--output-format=json", bundle_path(job_id).string()},
      settings_.command_timeout, nullptr, [this, alive, job_id](const program_result& r) {
        if (alive) inspected(job_id, r);
      });
}

void updater::inspected(const std::string& job_id, const program_result& r) {
  if (!r.succeeded()) return fail(job_id, "rauc info refused the bundle: " + r.describe());
  const auto manifest = parse_rauc_info(r.out);
  if (!manifest) return fail(job_id, manifest.error());
  const auto& m = manifest.value();
  if (m.compatible != settings_.compatible)
    return fail(job_id, "the bundle is for \"" + m.compatible + "\", this locker is \"" +
                            settings_.compatible + "\"");
  const auto offered = parse_version(m.version);
  const auto running = parse_version(settings_.running_version);
  if (!offered) return fail(job_id, "the bundle's version \"" + m.version + "\" is not a version");
  if (!running || compare(*offered, *running) != std::strong_ordering::greater)
    return fail(job_id, "the bundle's version " + m.version + " is not newer than the running " +
                            settings_.running_version + " (no downgrade, no reinstall)");
  auto j = job(job_id);
  if (!j) return;
  j->expected_version = m.version;
  // Checked again here: the download may have taken minutes.
  if (const auto why = busy_ ? busy_() : std::nullopt)
    return fail(job_id, "not installed: " + *why);
  log::info(component, "job ", job_id, ": installing version ", m.version);
  advance(*j, update_state::installing, 0);
  last_percent_ = 0;
  const auto alive = alive_.token();
  program_ = program_run::start(
      io_, clock_, {settings_.rauc.string(), "install", bundle_path(job_id).string()},
      settings_.install_timeout,
      [this, alive, job_id](const std::string& line) {
        if (!alive) return;
        const auto p = parse_install_line(line);
        if (!p || p->percent == last_percent_) return;
        last_percent_ = p->percent;
        if (auto jj = job(job_id)) publish(*jj, p->percent, p->step);
      },
      [this, alive, job_id](const program_result& res) {
        if (alive) installed(job_id, res);
      });
}

void updater::installed(const std::string& job_id, const program_result& r) {
  if (!r.succeeded()) return fail(job_id, "rauc install failed: " + r.describe());
  remove_bundle(job_id);
  auto j = job(job_id);
  if (!j) return;
  log::info(component, "job ", job_id, ": version ", j->expected_version.value_or("?"),
            " installed; rebooting");
  // Saved before the reboot: the next start finishes the job from here.
  advance(*j, update_state::rebooting);
  reboot_when_free(job_id);
}

void updater::reboot_when_free(const std::string& job_id) {
  if (const auto why = busy_ ? busy_() : std::nullopt) {
    // Said once per reason, not at every look.
    if (*why != waiting_for_) {
      waiting_for_ = *why;
      if (auto j = job(job_id)) publish(*j, std::nullopt, "waiting: " + *why);
    }
    retry_timer_.start(settings_.busy_retry, [this, job_id] { reboot_when_free(job_id); });
    return;
  }
  waiting_for_.clear();
  db_.audit().record(clock_.wall_now(), "update", "reboot", {{"job_id", job_id}});
  log::info(component, "rebooting for update job ", job_id);
  const auto alive = alive_.token();
  run_reboot([this, alive, job_id](const program_result& r) {
    if (!alive || r.succeeded()) return;
    // The new slot is active in the boot loader: the job stays in rebooting and finishes
    // after whatever reboot comes next.
    log::error(component, "job ", job_id, ": the reboot failed: ", r.describe());
    if (auto j = job(job_id))
      publish(*j, std::nullopt,
              "the reboot failed (" + r.describe() + "); the update completes at the next reboot");
  });
}

// ---- reboot ---------------------------------------------------------------------------

std::optional<std::string> updater::reboot_refusal() const {
  // A job before rebooting belongs to this process (resume() failed older ones): a reboot
  // would cut RAUC off in the middle of writing a slot.
  if (const auto running = db_.update_jobs().unfinished();
      running && running->state != update_state::rebooting)
    return "update job " + running->job_id + " is " + std::string(store::to_string(running->state));
  if (busy_) return busy_();
  return std::nullopt;
}

void updater::reboot(const std::string& reason, const std::string& actor) {
  log::warning(component, "rebooting (asked by ", actor, "): ", reason);
  db_.audit().record(clock_.wall_now(), actor, "reboot", {{"reason", reason}});
  run_reboot([](const program_result& r) {
    if (!r.succeeded()) log::error(component, "the reboot failed: ", r.describe());
  });
}

void updater::run_reboot(std::function<void(const program_result&)> done) {
  const auto alive = alive_.token();
  reboot_program_ = program_run::start(io_, clock_, {settings_.systemctl.string(), "reboot"},
                                       settings_.command_timeout, nullptr,
                                       [alive, done = std::move(done)](const program_result& r) {
                                         if (alive) done(r);
                                       });
}

// ---- across restarts ------------------------------------------------------------------

void updater::resume() {
  try {
    if (auto j = db_.update_jobs().unfinished()) {
      if (j->state == update_state::rebooting) {
        resumed_job_ = j->job_id;
      } else {
        log::warning(component, "job ", j->job_id, " was interrupted while ",
                     store::to_string(j->state));
        fail(j->job_id,
             "interrupted: lockerd restarted while " + std::string(store::to_string(j->state)));
      }
    }
  } catch (const std::exception& e) {
    log::error(component, "reading the update jobs: ", e.what());
  }
  // Bundles of past jobs: nothing uses them any more.
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(settings_.staging_dir, ec)) {
    if (e.path().extension() == bundle_suffix) fs::remove(e.path(), ec);
  }
}

void updater::connected() {
  link_up_ = true;
  try {
    if (resumed_job_) {
      const auto id = *std::exchange(resumed_job_, std::nullopt);
      if (auto j = job(id); j && j->state == update_state::rebooting)
        finish_after_restart(std::move(*j));
    }
    for (auto& j : db_.update_jobs().unreported()) {
      publish(j, std::nullopt, j.message);
      j.reported = true;
      db_.update_jobs().save(j);
    }
  } catch (const std::exception& e) {
    log::error(component, "reporting the update jobs: ", e.what());
  }
}

void updater::finish_after_restart(store::update_job_record j) {
  const auto expected = j.expected_version.value_or("");
  if (settings_.running_version != expected)
    return fail(j.job_id, "after the reboot the locker runs " + settings_.running_version +
                              ", not " + expected + ": the updater fell back to the old version");
  log::info(component, "job ", j.job_id, ": version ", expected, " runs; marking it good");
  const auto alive = alive_.token();
  program_ = program_run::start(
      io_, clock_, {settings_.rauc.string(), "status", "mark-good"}, settings_.command_timeout,
      nullptr, [this, alive, j = std::move(j)](const program_result& r) {
        if (!alive) return;
        if (!r.succeeded()) return fail(j.job_id, "rauc status mark-good failed: " + r.describe());
        succeed(j);
      });
}

// ---- bookkeeping ----------------------------------------------------------------------

void updater::advance(store::update_job_record& j, update_state state, std::optional<int> percent,
                      const std::optional<std::string>& message) {
  j.state = state;
  j.updated_at = clock_.wall_now();
  try {
    db_.update_jobs().save(j);
  } catch (const std::exception& e) {
    log::error(component, "job ", j.job_id, ": saving ", store::to_string(state), ": ", e.what());
  }
  publish(j, percent, message);
}

void updater::fail(const std::string& job_id, const std::string& why) {
  fetch_.reset();
  program_.reset();
  retry_timer_.cancel();
  remove_bundle(job_id);
  auto j = job(job_id);
  if (!j || finished(j->state)) return;
  log::warning(component, "job ", job_id, " failed: ", why);
  j->state = update_state::failed;
  j->message = why;
  j->updated_at = clock_.wall_now();
  j->reported = link_up_;
  try {
    db_.update_jobs().save(*j);
    db_.audit().record(j->updated_at, "update", "update_failed",
                       {{"job_id", job_id}, {"reason", why}});
  } catch (const std::exception& e) {
    log::error(component, "job ", job_id, ": saving the failure: ", e.what());
  }
  if (link_up_) publish(*j, std::nullopt, why);
}

void updater::succeed(store::update_job_record j) {
  program_.reset();
  j.state = update_state::done;
  j.message.reset();
  j.updated_at = clock_.wall_now();
  j.reported = link_up_;
  try {
    db_.update_jobs().save(j);
    db_.audit().record(j.updated_at, "update", "update_done",
                       {{"job_id", j.job_id}, {"version", j.expected_version.value_or("")}});
  } catch (const std::exception& e) {
    log::error(component, "job ", j.job_id, ": saving done: ", e.what());
  }
  log::info(component, "job ", j.job_id, " done: version ", j.expected_version.value_or("?"));
  if (link_up_) publish(j, 100, std::nullopt);
}

void updater::publish(const store::update_job_record& j, std::optional<int> percent,
                      const std::optional<std::string>& message) {
  if (!link_up_) return;
  protocol::job_progress p;
  p.job_id = j.job_id;
  p.state = to_job_state(j.state);
  p.percent = percent;
  p.message = message;
  p.ts = clock_.wall_now();
  link_.publish(topics_.job(j.job_id), protocol::encode_job(p), 1, false);
}

std::optional<store::update_job_record> updater::job(const std::string& job_id) {
  try {
    return db_.update_jobs().find(job_id);
  } catch (const std::exception& e) {
    log::error(component, "reading job ", job_id, ": ", e.what());
    return std::nullopt;
  }
}

fs::path updater::bundle_path(const std::string& job_id) const {
  // job_id is [A-Za-z0-9_-]{1,64} (protocol): safe as a file name.
  return settings_.staging_dir / (job_id + std::string(bundle_suffix));
}

void updater::remove_bundle(const std::string& job_id) {
  std::error_code ec;
  fs::remove(bundle_path(job_id), ec);
}

}  // namespace locker::update
