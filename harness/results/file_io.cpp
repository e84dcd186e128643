// Durable file writes and link-refusing reads: see file_io.hpp. Every writer of greenbench
// (results rows, traces, meta.json, merge, analysis.json, reports, models) goes through these.
#include "file_io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

const char* const kLinkFix =
    "greenbench never reads or writes through a link inside a results folder; replace the link "
    "with the file itself, or remove it";

[[noreturn]] void link_refuse(const std::string& path) {
  throw InputError("is a symbolic link", path, 0, 0, kLinkFix);
}

}  // namespace

void fd_write_all(int fd, std::string_view text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error(fmt::format("writing {} failed: {}", path,
                                           n == 0 ? "no progress" : std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
}

void fd_sync(int fd, const std::string& path) {
  if (fsync(fd) != 0 && errno != EINVAL)
    throw std::runtime_error(fmt::format("fsync of {} failed: {}", path, std::strerror(errno)));
}

void fd_append_whole(int fd, std::string_view text, const std::string& path) {
  struct stat st {};
  const bool sized = fstat(fd, &st) == 0;
  try {
    fd_write_all(fd, text, path);
    fd_sync(fd, path);
  } catch (...) {
    if (sized && ftruncate(fd, st.st_size) == 0) fsync(fd);
    throw;
  }
}

int file_append_open(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd >= 0) return fd;
  if (errno == ELOOP) link_refuse(path);
  throw InputError(fmt::format("cannot open for writing: {}", std::strerror(errno)), path, 0, 0,
                   "choose a writable --out folder");
}

void path_fsync(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("cannot open {} to sync it: {}", path, std::strerror(errno)));
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0 && err != EINVAL)
    throw std::runtime_error(fmt::format("fsync of {} failed: {}", path, std::strerror(err)));
}

void file_copy_synced(const std::string& src, const std::string& dst) {
  const int in = open(src.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0 && errno == ELOOP) link_refuse(src);
  if (in < 0)
    throw std::runtime_error(fmt::format("cannot read {}: {}", src, std::strerror(errno)));
  const int out = open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (out < 0) {
    const int err = errno;
    close(in);
    throw std::runtime_error(fmt::format("cannot create {}: {}", dst, std::strerror(err)));
  }
  std::vector<char> buf(1 << 20);
  std::string error;
  while (error.empty()) {
    const ssize_t n = read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = fmt::format("cannot read {}: {}", src, std::strerror(errno));
    if (n <= 0) break;
    try {
      fd_write_all(out, std::string_view(buf.data(), static_cast<size_t>(n)), dst);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (error.empty() && fsync(out) != 0 && errno != EINVAL)
    error = fmt::format("fsync of {} failed: {}", dst, std::strerror(errno));
  close(in);
  close(out);
  if (!error.empty()) {
    unlink(dst.c_str());
    throw std::runtime_error(error);
  }
}

void file_write_atomic(const std::string& path, const std::string& text) {
  // The temporary is created anew (O_EXCL, never through a link); the rename replaces `path`
  // itself, so a link planted there is replaced, never followed.
  const std::string tmp = path + ".tmp";
  unlink(tmp.c_str());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  try {
    fd_write_all(fd, text, tmp);
    fd_sync(fd, tmp);
  } catch (...) {
    close(fd);
    unlink(tmp.c_str());  // never a partial or 0-byte file left behind
    throw;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    throw std::runtime_error(
        fmt::format("cannot rename {} to {}: {}", tmp, path, std::strerror(err)));
  }
}

std::optional<std::string> file_read_nofollow(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    if (errno == ELOOP) link_refuse(path);
    throw InputError(fmt::format("cannot read the file: {}", std::strerror(errno)), path, 0, 0,
                     "check its permissions");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    throw InputError(S_ISDIR(st.st_mode) ? "is a folder, not a file" : "is not a regular file",
                     path, 0, 0, "a results folder holds plain files; move it away");
  }
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      close(fd);
      throw InputError(fmt::format("read error: {}", std::strerror(err)), path, 0, 0,
                       "check the disk and the file's permissions");
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return text;
}

bool path_is_link(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

void output_file_check(const std::string& path, const std::string& flag) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw InputError(fmt::format("{} names a folder; expected a file to write", flag), path, 0, 0,
                     fmt::format("give {} a file name (e.g. {}/report.html)", flag, path));
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw InputError(fmt::format("the folder for {} does not exist", flag), parent.string(), 0, 0,
                     fmt::format("create it, or choose another {}", flag));
}

}  // namespace greenbench
