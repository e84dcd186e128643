// The knobs' journal (docs/knobs.md, "Journal"): $GREENBENCH_STATE_DIR/knobs-journal.json
// (default /var/tmp/greenbench, a folder that outlives a crash). Not the knobs themselves.
#include "knob_journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "knobs.hpp"

namespace greenbench {

std::string state_dir() {
  const char* dir = std::getenv("GREENBENCH_STATE_DIR");
  return dir && *dir ? dir : "/var/tmp/greenbench";
}

std::string knobs_journal_path() {
  return state_dir() + "/knobs-journal.json";
}

namespace knobs_detail {
namespace {

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void fd_write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
    done += size_t(n);
  }
}

}  // namespace

std::optional<nlohmann::json> journal_read() {
  const std::string path = knobs_journal_path();
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  try {
    auto j = nlohmann::json::parse(ss.str());
    if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array())
      throw std::runtime_error("no entries list");
    return j;
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format(
        "{}: not a knobs journal ({}); look at it, put the knobs back by hand, and remove it", path,
        e.what()));
  }
}

void journal_write(const nlohmann::json& journal) {
  namespace fs = std::filesystem;
  const std::string path = knobs_journal_path();
  const fs::path dir = fs::path(path).parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    throw std::runtime_error(fmt::format(
        "cannot write the knobs journal {}: {}; set GREENBENCH_STATE_DIR to a writable folder", tmp,
        std::strerror(errno)));
  try {
    fd_write_all(fd, journal.dump(2) + "\n", tmp);
  } catch (...) {
    close(fd);
    throw;
  }
  if (fsync(fd) != 0 || close(fd) != 0)
    throw std::runtime_error(fmt::format("{}: {}", tmp, std::strerror(errno)));
  if (rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
  const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}

void journal_remove() {
  const std::string path = knobs_journal_path();
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    throw std::runtime_error(fmt::format("{}: {}", path, std::strerror(errno)));
}

nlohmann::json journal_new() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return {
      {"writer", fmt::format("pid {} on host {}, greenbench since {}", getpid(), host, now_iso())},
      {"pid", getpid()},
      {"host", std::string(host)},
      {"entries", nlohmann::json::array()}};
}

bool journal_writer_alive(const nlohmann::json& journal) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const int pid = journal.value("pid", 0);
  if (pid <= 0 || pid == getpid() || journal.value("host", std::string()) != host) return false;
  if (kill(pid, 0) != 0 && errno == ESRCH) return false;
  // A live pid that is not a greenbench is a reused pid: the writer is gone. (Its comm may be
  // "exe" after greenbench re-executed itself through /proc/self/exe: read the binary's name.)
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return (!ec && exe.filename().string().rfind("greenbench", 0) == 0) ||
         name.rfind("greenbench", 0) == 0;
}

}  // namespace knobs_detail
}  // namespace greenbench
