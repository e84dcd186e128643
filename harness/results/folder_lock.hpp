// Internal: the exclusive lock the one writer of a results folder holds for its whole life
// (results/README.md, "One writer"): flock(2) on DIR/.greenbench.lock. The kernel releases it
// when the holder dies, so a lock is never stale; the file's text (pid, host, start time) only
// names the holder in a second writer's message, and is emptied on a clean release, so a
// record found by the next holder means the last one died: that is said in a note.
#pragma once

#include <optional>
#include <string>

namespace greenbench {

class FolderLock {
 public:
  // Takes the lock of `dir` (which must exist) or throws InputError (exit 2) naming the holder
  // ("pid 123 on host h, since ..."). `what` names the taker in the record ("greenbench run").
  FolderLock(const std::string& dir, const std::string& what);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  // The record a previous holder left without releasing cleanly (it died), or "".
  const std::string& previous() const { return previous_; }

 private:
  int fd_ = -1;
  std::string previous_;
};

// The file name of the lock inside a results folder.
inline constexpr const char* kFolderLockName = ".greenbench.lock";

// Who holds the lock of `dir` now ("pid 123 on host h, ..."), or std::nullopt when nobody does.
std::optional<std::string> folder_lock_holder(const std::string& dir);

}  // namespace greenbench
