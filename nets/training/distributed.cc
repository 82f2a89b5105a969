// DataParallel: the rendezvous on a TCPStore, the Gloo process group, the
// heartbeats, and results that rank 0 shares through the store. The
// collectives over tensors are collectives.cc.
#include "nets/training/distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "io/exception_text.h"

namespace agnapprox {
namespace {

absl::StatusOr<int> IntVariable(const std::function<const char*(const char*)>& getenv,
                                const char* name, int lo, int hi) {
  const char* text = getenv(name);
  if (text == nullptr) return absl::InvalidArgumentError(absl::StrCat(name, " is not set"));
  int v;
  if (!absl::SimpleAtoi(text, &v) || v < lo || v > hi) {
    return absl::InvalidArgumentError(absl::StrCat(name, "='", text, "': expected an integer in [",
                                                   lo, ", ", hi, "]"));
  }
  return v;
}

std::vector<uint8_t> Bytes(const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); }

std::string ShareKey(const std::string& key) { return "agnapprox/share/" + key; }

// The counter a rank's heartbeat bumps.
std::string AliveKey(int rank) { return absl::StrCat("agnapprox/alive/", rank); }

// This rank's connection to the store at the rendezvous: rank 0 serves it,
// and every rank waits until all have connected.
c10d::TCPStoreOptions StoreOptions(const DistributedEnv& env, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<uint16_t>(env.master_port);
  o.isServer = env.rank == 0;
  o.numWorkers = env.world_size;
  o.waitWorkers = true;
  o.timeout = timeout;
  return o;
}

// A shared result in the store: 'k' and the bytes, or 'e' and the message
// with the rank it happened on ("rank R: ...", unless it names it already).
std::string Encode(const absl::StatusOr<std::string>& value, int rank) {
  if (value.ok()) return "k" + *value;
  const std::string tag = absl::StrCat("rank ", rank, ": ");
  const absl::string_view message = value.status().message();
  return absl::StrCat("e", absl::StartsWith(message, tag) ? "" : tag, message);
}

}  // namespace

absl::StatusOr<DistributedEnv> ReadDistributedEnv(
    const std::function<const char*(const char*)>& getenv) {
  DistributedEnv env;
  if (getenv("WORLD_SIZE") == nullptr) return env;
  absl::StatusOr<int> world = IntVariable(getenv, "WORLD_SIZE", 1, 1 << 16);
  if (!world.ok()) return world.status();
  absl::StatusOr<int> rank = IntVariable(getenv, "RANK", 0, *world - 1);
  if (!rank.ok()) return rank.status();
  env.world_size = *world;
  env.rank = *rank;
  if (const char* addr = getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') {
    env.master_addr = addr;
  }
  if (getenv("MASTER_PORT") != nullptr) {
    absl::StatusOr<int> port = IntVariable(getenv, "MASTER_PORT", 1, 65535);
    if (!port.ok()) return port.status();
    env.master_port = *port;
  }
  if (getenv("LOCAL_WORLD_SIZE") != nullptr) {
    absl::StatusOr<int> local = IntVariable(getenv, "LOCAL_WORLD_SIZE", 1, *world);
    if (!local.ok()) return local.status();
    env.local_world_size = *local;
  }
  return env;
}

std::pair<int64_t, int64_t> SliceOfBatch(int64_t size, int rank, int world_size) {
  const int64_t base = size / world_size, extra = size % world_size;
  const int64_t first = rank * base + std::min<int64_t>(rank, extra);
  return {first, base + (rank < extra ? 1 : 0)};
}

absl::StatusOr<std::unique_ptr<DataParallel>> DataParallel::Connect(
    const DistributedEnv& env, const std::vector<std::pair<std::string, std::string>>& options,
    std::chrono::milliseconds timeout) {
  std::unique_ptr<DataParallel> dp(new DataParallel);
  dp->rank_ = env.rank;
  dp->world_size_ = env.world_size;
  dp->address_ = absl::StrCat(env.master_addr, ":", env.master_port);
  dp->timeout_ = timeout;
  const std::string seconds = absl::StrCat(timeout.count() / 1000.0, " s");
  try {
    dp->store_ = c10::make_intrusive<c10d::TCPStore>(env.master_addr, StoreOptions(env, timeout));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", env.rank, ": no rendezvous at ",
                                               dp->address_, " within ", seconds, ": ",
                                               FirstLine(e)));
  }
  // The options: every rank publishes its own and compares all of them with
  // rank 0's, so that every rank reaches the same verdict.
  std::vector<std::string> lines;
  for (const auto& [flag, value] : options) lines.push_back(absl::StrCat(flag, "=", value));
  try {
    dp->store_->set(absl::StrCat("agnapprox/options/", env.rank),
                    Bytes(absl::StrJoin(lines, "\n")));
    std::vector<std::vector<std::string>> all(env.world_size);
    for (int r = 0; r < env.world_size; ++r) {
      const std::vector<uint8_t> got = dp->store_->get(absl::StrCat("agnapprox/options/", r));
      all[r] = absl::StrSplit(std::string(got.begin(), got.end()), '\n');
    }
    // Rank 0 holds the store: it leaves only after every rank has read the
    // options, so that each reaches the verdict instead of a reset connection.
    const std::string read_key = "agnapprox/options_read";
    dp->store_->add(read_key, 1);
    if (env.rank == 0) {
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      while (dp->store_->add(read_key, 0) < env.world_size &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    for (int r = 1; r < env.world_size; ++r) {
      for (size_t i = 0; i < std::max(all[0].size(), all[r].size()); ++i) {
        const std::string a = i < all[0].size() ? all[0][i] : "";
        const std::string b = i < all[r].size() ? all[r][i] : "";
        if (a == b) continue;
        const std::string& named = a.empty() ? b : a;
        const std::string flag = named.substr(0, named.find('='));
        return absl::InvalidArgumentError(
            absl::StrCat("ranks started with different flags: --", flag, " is '",
                         a.substr(a.find('=') + 1), "' on rank 0 and '", b.substr(b.find('=') + 1),
                         "' on rank ", r));
      }
    }
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", env.rank, ": rendezvous at ", dp->address_,
                                               " did not complete within ", seconds, ": ",
                                               FirstLine(e)));
  }
  try {
    auto o = c10d::ProcessGroupGloo::Options::create(timeout);
    if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr) {
      o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else if (env.master_addr == "127.0.0.1" || env.master_addr == "localhost") {
      o->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      o->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    dp->group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(dp->store_, env.rank,
                                                             env.world_size, o);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", env.rank, ": process group at ",
                                               dp->address_, ": ", FirstLine(e)));
  }
  // The heartbeat, on a connection of its own (a Fetch holds the store's
  // connection for as long as it waits).
  try {
    c10d::TCPStoreOptions o = StoreOptions(env, timeout);
    o.isServer = false;
    o.waitWorkers = false;  // an extra client, not a worker
    dp->heartbeat_store_ = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
    dp->heartbeat_store_->add(AliveKey(env.rank), 1);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", env.rank, ": store at ", dp->address_,
                                               ": ", FirstLine(e)));
  }
  DataParallel* self = dp.get();
  dp->heartbeat_ = std::thread([self] {
    const auto every = std::max<std::chrono::milliseconds>(self->timeout_ / 4,
                                                           std::chrono::milliseconds(50));
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(self->heartbeat_mutex_);
        if (self->heartbeat_stop_.wait_for(lock, every, [self] { return self->stopping_; })) {
          return;
        }
      }
      try {
        self->heartbeat_store_->add(AliveKey(self->rank_), 1);
      } catch (const std::exception&) {
        return;  // the store is gone: the run is over or failing
      }
    }
  });
  return dp;
}

DataParallel::~DataParallel() { StopHeartbeat(); }

void DataParallel::StopHeartbeat() {
  {
    std::lock_guard<std::mutex> lock(heartbeat_mutex_);
    stopping_ = true;
  }
  heartbeat_stop_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

absl::Status DataParallel::Publish(const std::string& key,
                                   const absl::StatusOr<std::string>& value) {
  try {
    store_->set(ShareKey(key), Bytes(Encode(value, rank_)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", rank_, ": cannot publish ", key, " at ",
                                               address_, ": ", FirstLine(e)));
  }
  return absl::OkStatus();
}

int64_t DataParallel::Heartbeats(int rank) {
  return store_->add(AliveKey(rank), 0);
}

absl::StatusOr<std::string> DataParallel::Fetch(const std::string& key, int from) {
  std::vector<uint8_t> bytes;
  try {
    int64_t beats = Heartbeats(from);
    for (;;) {
      const auto start = std::chrono::steady_clock::now();
      try {
        store_->wait({ShareKey(key)}, timeout_);
        break;
      } catch (const std::exception&) {
        // A timeout (not a lost store) while `from` is still alive.
        if (std::chrono::steady_clock::now() - start < timeout_ * 9 / 10) throw;
        const int64_t now = Heartbeats(from);
        if (now == beats) throw;
        beats = now;
      }
    }
    bytes = store_->get(ShareKey(key));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("rank ", rank_, ": no ", key, " from rank ", from,
                                               " (store at ", address_, ", timeout ",
                                               timeout_.count() / 1000.0, " s): ", FirstLine(e)));
  }
  if (bytes.empty()) return absl::InternalError(absl::StrCat(key, ": empty record in the store"));
  const std::string text(bytes.begin() + 1, bytes.end());
  if (bytes[0] == 'k') return text;
  return absl::UnavailableError(text);
}

absl::StatusOr<std::string> DataParallel::ShareFromRankZero(
    const std::string& key, const absl::StatusOr<std::string>& value) {
  if (rank_ == 0) {
    if (absl::Status s = Publish(key, value); !s.ok()) return s;
    return value;
  }
  return Fetch(key, 0);
}

absl::Status DataParallel::Conclude(const absl::Status& local) {
  const std::string left = "agnapprox/left/";
  StopHeartbeat();
  if (rank_ == 0) {
    (void)ShareFromRankZero("exit", local.ok() ? absl::StatusOr<std::string>("") : local);
    group_.reset();  // peers still in a collective see the connections close
    std::vector<std::string> keys;
    for (int r = 1; r < world_size_; ++r) keys.push_back(absl::StrCat(left, r));
    // After a failure a rank may be gone (the usual cause): the living ones
    // read within moments (they fail at their next collective or are
    // already waiting for it), so wait less than for a success.
    try {
      store_->wait(keys, local.ok() ? timeout_
                                    : std::min<std::chrono::milliseconds>(
                                          timeout_, std::chrono::seconds(10)));
    } catch (const std::exception&) {
      // A rank that is gone cannot read it anyway.
    }
    return local;
  }
  absl::Status result = local;
  if (local.ok()) {
    result = Fetch("exit", 0).status();
  } else {
    // A failure of ours that rank 0's explains (it publishes before it
    // closes the connections we failed on); none when rank 0 is gone.
    try {
      if (store_->check({ShareKey("exit")})) {
        const absl::Status zero = Fetch("exit", 0).status();
        if (!zero.ok()) result = zero;
      }
    } catch (const std::exception&) {
    }
  }
  try {
    store_->set(absl::StrCat(left, rank_), Bytes("1"));
  } catch (const std::exception&) {
  }
  return result;
}

}  // namespace agnapprox
