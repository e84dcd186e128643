// Internal: the knobs' journal (docs/knobs.md, "Journal"): one JSON state file per machine that
// lists every target greenbench changed and its original value, written (atomically, fsynced)
// before each first change and removed once every original is back.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace greenbench::knobs_detail {

// The journal as stored, or nullopt when there is none. Throws std::runtime_error when it
// exists but cannot be read or parsed.
std::optional<nlohmann::json> journal_read();
// Writes it atomically (temp file, fsync, rename, fsync of the folder), creating the folder.
void journal_write(const nlohmann::json& journal);
void journal_remove();
// Whether the process that wrote the journal still runs (same host, a live pid whose name is
// greenbench): it then restores the knobs itself when its run ends.
bool journal_writer_alive(const nlohmann::json& journal);
// A new journal naming this process.
nlohmann::json journal_new();

}  // namespace greenbench::knobs_detail
