// Parses $CUDA_VISIBLE_DEVICES into NVML indices the way the CUDA runtime reads it (indices or
// UUID prefixes, an invalid entry ends the list). Not device enumeration: meter/nvml.cpp does that.
#include "nvml_visible.hpp"

#include <algorithm>

namespace greenbench::detail {

static std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// The NVML index one entry names, or nullopt when it names none or more than one.
static std::optional<unsigned> entry_resolve(const std::string& entry,
                                             const std::vector<std::string>& uuids) {
  if (!entry.empty() &&
      std::all_of(entry.begin(), entry.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (entry.size() > 9) return std::nullopt;  // no machine has a billion GPUs
    unsigned long index = std::stoul(entry);
    if (index >= uuids.size()) return std::nullopt;
    return static_cast<unsigned>(index);
  }
  if (entry.rfind("GPU-", 0) != 0) return std::nullopt;  // MIG-..., -1, words
  std::optional<unsigned> found;
  for (unsigned i = 0; i < uuids.size(); ++i) {
    if (uuids[i].rfind(entry, 0) != 0) continue;
    if (found) return std::nullopt;  // ambiguous prefix
    found = i;
  }
  return found;
}

VisibleGpus cuda_visible_gpus(const std::optional<std::string>& visible,
                              const std::vector<std::string>& uuids) {
  VisibleGpus out;
  if (!visible) {
    for (unsigned i = 0; i < uuids.size(); ++i) out.nvml_indices.push_back(i);
    return out;
  }
  size_t begin = 0;
  while (true) {
    size_t comma = visible->find(',', begin);
    std::string entry = trim(visible->substr(begin, comma - begin));
    auto index = entry_resolve(entry, uuids);
    bool repeat = index && std::find(out.nvml_indices.begin(), out.nvml_indices.end(), *index) !=
                               out.nvml_indices.end();
    if (!index || repeat) {
      out.stopped_at = entry.empty() ? "(empty entry)" : entry;
      break;
    }
    out.nvml_indices.push_back(*index);
    if (comma == std::string::npos) break;
    begin = comma + 1;
  }
  return out;
}

}  // namespace greenbench::detail
