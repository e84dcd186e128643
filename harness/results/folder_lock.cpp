// The results folder's writer lock: see folder_lock.hpp.
#include "folder_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "greenbench/errors.hpp"

namespace greenbench {
namespace {

std::string record_read(int fd) {
  std::string text;
  char buf[512];
  for (off_t at = 0;;) {
    const ssize_t n = pread(fd, buf, sizeof buf, at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || text.size() > 4096) break;
    text.append(buf, static_cast<size_t>(n));
    at += n;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The holder's record. A holder writes it just after taking the lock, so an empty record is
// reread for up to 200 ms before the holder is called one that has not yet written its pid.
std::string holder_read(int fd) {
  std::string holder = record_read(fd);
  for (int i = 0; i < 100 && holder.empty(); ++i) {
    usleep(2000);
    holder = record_read(fd);
  }
  return holder.empty() ? "a process that has not yet written its pid" : holder;
}

std::string host_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return "?";
  return host;
}

int lock_file_open(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ELOOP)
    throw InputError("is a symbolic link", path, 0, 0,
                     "greenbench never writes through a link inside a results folder; remove it");
  return fd;
}

}  // namespace

FolderLock::FolderLock(const std::string& dir, const std::string& what) {
  const std::string path = dir + "/" + kFolderLockName;
  fd_ = lock_file_open(path, O_RDWR | O_CREAT);
  if (fd_ < 0)
    throw InputError(fmt::format("cannot create the folder's lock file: {}", std::strerror(errno)),
                     path, 0, 0, "choose a writable folder");
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) {
      close(fd_);
      fd_ = -1;
      throw InputError(fmt::format("cannot lock the folder: {}", std::strerror(err)), path, 0, 0,
                       "choose a folder on a file system with locks");
    }
    const std::string holder = holder_read(fd_);
    close(fd_);
    fd_ = -1;
    throw InputError(
        fmt::format("the results folder is in use by another writer: {}", holder), dir, 0, 0,
        "one folder has one writer at a time: wait for that one to finish (or stop it), or "
        "choose another --out / -o folder");
  }
  previous_ = record_read(fd_);
  char when[32] = {};
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const std::string record =
      fmt::format("pid {} on host {}, {} since {}\n", getpid(), host_name(), what, when);
  // The record only names the holder in messages; the lock itself is the flock.
  if (ftruncate(fd_, 0) == 0 && pwrite(fd_, record.data(), record.size(), 0) < 0) {
  }
}

FolderLock::~FolderLock() {
  if (fd_ < 0) return;
  if (ftruncate(fd_, 0) == 0) fsync(fd_);  // a clean release: no record for the next holder
  flock(fd_, LOCK_UN);
  close(fd_);
}

std::optional<std::string> folder_lock_holder(const std::string& dir) {
  const int fd = open((dir + "/" + kFolderLockName).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> holder;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    holder = holder_read(fd);
  } else {
    flock(fd, LOCK_UN);
  }
  close(fd);
  return holder;
}

}  // namespace greenbench
