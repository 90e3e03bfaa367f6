// SPDX-License-Identifier: Apache-2.0
// Signed software updates (fw_update) and reboots, through RAUC and systemd.
//
// One job at a time, each kept in the store so it outlives a restart:
//   downloading  the bundle is fetched into <state_dir>/update/<job_id>.raucb
//   verifying    its SHA-256 must equal the command's; its CMS signature must chain to the
//                keyring (bundle.hpp); then `rauc info` reads its manifest: compatible must
//                be ours and its version newer than the running one
//   installing   `rauc install <bundle>`, its percentages passed on
//   rebooting    `systemctl reboot` once no door is open and nobody is at the keypad
//   done/failed  after the restart, once connected to the broker: the expected version runs
//                and `rauc status mark-good` succeeded (done), or RAUC fell back (failed)
// Nothing is handed to RAUC before every check passed. A job that a restart interrupted
// before rebooting is failed. Progress goes to …/job/<job_id> while the broker is there; the
// final state is kept until it could be published.
//
// Runs on the event loop; never throws once constructed.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "base/liveness.hpp"
#include "daemon/mqtt/broker_link.hpp"
#include "daemon/store/store.hpp"
#include "daemon/update/fetch.hpp"
#include "daemon/update/program.hpp"
#include "daemon/update/rauc_output.hpp"
#include "daemon/update/worker.hpp"
#include "drivers/clock.hpp"
#include "protocol/commands.hpp"
#include "protocol/events.hpp"
#include "protocol/replies.hpp"
#include "protocol/topics.hpp"

namespace locker::update {

struct update_settings {
  std::filesystem::path keyring;  // CA certificates (PEM) that may sign bundles; empty: off
  std::string compatible;         // must equal the bundle manifest's
  std::filesystem::path download_ca_file;  // empty: the system's store
  std::uint64_t max_bundle_bytes = 1024ULL * 1024 * 1024;
  std::chrono::milliseconds download_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds install_timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds command_timeout{std::chrono::minutes(2)};  // rauc info, mark-good
  std::filesystem::path rauc = "/usr/bin/rauc";
  std::filesystem::path systemctl = "/usr/bin/systemctl";
  std::filesystem::path staging_dir;  // <state_dir>/update
  std::string running_version;        // LOCKER_VERSION
  // How often a reboot that waits for a door or a keypad session looks again.
  std::chrono::milliseconds busy_retry{std::chrono::seconds(10)};
};

// Why the locker cannot be updated or rebooted right now (a door is open, someone is at the
// keypad), or nullopt.
using busy_check = std::function<std::optional<std::string>()>;

class updater {
 public:
  // Everything referenced must outlive the updater. Job progress goes to link (QoS 1, not
  // retained) between connected() and disconnected().
  updater(boost::asio::io_context& io, drivers::clock& clock, store::store& db,
          const protocol::topic_set& topics, update_settings settings, busy_check busy,
          mqtt::broker_link& link);
  updater(const updater&) = delete;
  updater& operator=(const updater&) = delete;
  ~updater();

  // A keyring is configured: fw_update is possible.
  [[nodiscard]] bool enabled() const { return !settings_.keyring.empty(); }

  // fw_update, inside the command's transaction: saves the job and answers accepted, or
  // answers why not (nothing saved): not configured, job_id used before, another job
  // running, the locker busy, a malformed url.
  [[nodiscard]] protocol::reply accept(store::transaction& tx, const std::string& req_id,
                                       const protocol::fw_update& args);
  // After that transaction committed: runs the job.
  void start(const std::string& job_id);

  // reboot: why it must wait (the locker is busy, an update is being installed), or nullopt.
  [[nodiscard]] std::optional<std::string> reboot_refusal() const;
  // After the reply: logs and audits, then asks systemd to reboot.
  void reboot(const std::string& reason, const std::string& actor);

  // Once at start, before the broker: fails a job the restart interrupted, keeps one that
  // waited for this restart, empties the staging folder.
  void resume();
  // The broker link is up: finishes a job that waited for this start (mark-good) and
  // publishes final states not yet published.
  void connected();
  void disconnected() { link_up_ = false; }

 private:
  void fetched(const std::string& job_id, const outcome<std::uint64_t>& size);
  void verified(const std::string& job_id, const outcome<std::string>& signer);
  void inspected(const std::string& job_id, const program_result& r);
  void installed(const std::string& job_id, const program_result& r);
  void reboot_when_free(const std::string& job_id);
  void finish_after_restart(store::update_job_record job);

  // Saves the new state and publishes it (percent and message optional).
  void advance(store::update_job_record& job, store::update_state state,
               std::optional<int> percent = std::nullopt,
               const std::optional<std::string>& message = std::nullopt);
  void fail(const std::string& job_id, const std::string& why);
  void succeed(store::update_job_record job);
  void publish(const store::update_job_record& job, std::optional<int> percent,
               const std::optional<std::string>& message);
  std::optional<store::update_job_record> job(const std::string& job_id);
  [[nodiscard]] std::filesystem::path bundle_path(const std::string& job_id) const;
  void remove_bundle(const std::string& job_id);
  void run_reboot(std::function<void(const program_result&)> done);

  boost::asio::io_context& io_;
  drivers::clock& clock_;
  store::store& db_;
  const protocol::topic_set& topics_;
  update_settings settings_;
  busy_check busy_;
  mqtt::broker_link& link_;
  bool link_up_ = false;
  // The job found in rebooting at start: finished on the first connect.
  std::optional<std::string> resumed_job_;
  std::optional<int> last_percent_;
  std::string waiting_for_;  // what the reboot waits for, as last published
  std::unique_ptr<fetch> fetch_;
  std::unique_ptr<program_run> program_;
  std::unique_ptr<program_run> reboot_program_;
  drivers::timer retry_timer_;
  worker worker_;
  base::liveness alive_;
};

}  // namespace locker::update
