// Internal: the one set of durable-file helpers (results writer, merge, and every command that
// writes a file): whole writes with the errno text, fsync, atomic replacement, synced copies,
// and reads and opens that never follow a symbolic link (results/README.md, "Links").
// Not the results format (results_read.cpp, results_writer.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace greenbench {

// Writes all of `text` to `fd`. Throws std::runtime_error "writing PATH failed: <errno text>".
void fd_write_all(int fd, std::string_view text, const std::string& path);
// fsync(fd); throws std::runtime_error with the errno text (EINVAL, a file system without
// fsync, is not an error).
void fd_sync(int fd, const std::string& path);
// Appends `text` whole or not at all: on a failed write (disk full, file-size limit) the file
// is cut back to its length before, so no torn line is left behind, then the error is thrown.
void fd_append_whole(int fd, std::string_view text, const std::string& path);
// Opens `path` to append (created 0644 when missing). A symbolic link is not followed: it is an
// InputError naming the link. Other failures are InputError with the errno text.
int file_append_open(const std::string& path);
// fsyncs a file or folder by path (a folder: so that a rename in it is durable).
void path_fsync(const std::string& path);
// Copies `src` (not followed if a link: InputError) to `dst` (must not exist; never
// followed), then fsyncs `dst`. Throws std::runtime_error with the errno text.
void file_copy_synced(const std::string& src, const std::string& dst);

// Reads `path` without following a link. std::nullopt when it does not exist; InputError when
// it is a link, not a regular file, or unreadable, naming it.
std::optional<std::string> file_read_nofollow(const std::string& path);
// Whether `path` itself is a symbolic link (lstat).
bool path_is_link(const std::string& path);

// An output file named by a flag (`-o FILE`), checked before any work: not a folder, and in a
// folder that exists. Throws InputError naming `flag`.
void output_file_check(const std::string& path, const std::string& flag);

}  // namespace greenbench
