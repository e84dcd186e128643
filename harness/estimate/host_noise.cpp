// The host calibration's numbers and its state file: see host_noise.hpp.
#include "host_noise.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "knobs.hpp"
#include "stats.hpp"

namespace greenbench {

double HostNoise::rel_avar_at(double tau_s, double* df) const {
  if (points.empty() || !(tau_s > 0)) {
    if (df) *df = 1e9;
    return 0;
  }
  const AllanPoint* near = &points.front();
  double a = 0;
  if (tau_s <= points.front().m) {
    a = points.front().avar * points.front().m / tau_s;
  } else if (tau_s >= points.back().m) {
    near = &points.back();
    a = points.back().avar;
  } else {
    for (std::size_t i = 1; i < points.size(); i++) {
      const AllanPoint &lo = points[i - 1], &hi = points[i];
      if (tau_s > hi.m) continue;
      const double f = std::log(tau_s / lo.m) / std::log(hi.m / lo.m);
      const double la = std::log(std::max(lo.avar, 1e-300));
      const double lb = std::log(std::max(hi.avar, 1e-300));
      a = std::exp(la + f * (lb - la));
      near = f < 0.5 ? &lo : &hi;
      break;
    }
  }
  if (df) *df = std::max(1, near->pairs);
  return a;
}

bool HostNoise::slow() const {
  return wander_detect(series).detected;
}

double HostNoise::rel_var_projection(double past_s, double future_s, double* df) const {
  const std::size_t n = series.size();
  if (df) *df = 1e9;
  if (n < 2 || !(block_s > 0) || !(past_s > 0) || !(future_s > 0)) return 0;
  const auto blocks = [&](double s) { return std::size_t(std::max(1.0, std::round(s / block_s))); };
  std::size_t k = std::min(blocks(past_s), n - 1);
  std::size_t r = std::min(blocks(future_s), n - k);
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; i++) prefix[i + 1] = prefix[i] + series[i];
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t t = 0; t + k + r <= n; t++) {
    const double past = (prefix[t + k] - prefix[t]) / double(k);
    const double future = (prefix[t + k + r] - prefix[t + k]) / double(r);
    sum += (future - past) * (future - past);
    count++;
  }
  if (df) *df = std::max(1.0, std::floor(double(n) / double(k + r)));
  return count > 0 ? sum / double(count) : 0;
}

nlohmann::json HostNoise::to_json() const {
  nlohmann::json pts = nlohmann::json::array();
  for (const auto& p : points)
    pts.push_back({{"tau_s", p.m}, {"rel_avar", p.avar}, {"pairs", p.pairs}});
  return {{"measured_at", measured_at}, {"seconds", seconds}, {"workload", workload},
          {"block_s", block_s},         {"points", pts},      {"series", series}};
}

HostNoise HostNoise::from_json(const nlohmann::json& j) {
  HostNoise h;
  h.measured_at = j.at("measured_at").get<std::string>();
  h.seconds = j.at("seconds").get<double>();
  h.workload = j.value("workload", "");
  h.block_s = j.at("block_s").get<double>();
  h.series = j.at("series").get<std::vector<double>>();
  if (!(h.block_s > 0)) throw std::runtime_error("block_s must be > 0");
  for (const auto& p : j.at("points"))
    h.points.push_back(
        AllanPoint{p.at("tau_s").get<double>(), p.at("rel_avar").get<double>(), p.at("pairs")});
  for (std::size_t i = 0; i < h.points.size(); i++)
    if (!(h.points[i].m > 0 && h.points[i].avar >= 0 && h.points[i].pairs >= 1) ||
        (i > 0 && !(h.points[i].m > h.points[i - 1].m)))
      throw std::runtime_error("points must have increasing tau_s > 0, rel_avar >= 0, pairs >= 1");
  return h;
}

HostNoise host_noise_from_series(const std::vector<double>& values, double block_s) {
  HostNoise h;
  const double m = mean_of(values);
  if (!(m > 0) || !(block_s > 0)) return h;
  h.seconds = block_s * double(values.size());
  h.block_s = block_s;
  for (double v : values) h.series.push_back(v / m);
  for (auto p : allan_points(values)) {
    p.avar /= m * m;
    p.m *= block_s;
    h.points.push_back(p);
  }
  return h;
}

std::string host_noise_path() {
  return state_dir() + "/host-noise.json";
}

HostNoise host_noise_load() {
  const std::string path = host_noise_path();
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  try {
    return HostNoise::from_json(nlohmann::json::parse(text.str()));
  } catch (const std::exception& e) {
    throw InputError(fmt::format("{}: not a host calibration: {}", path, e.what()), path, 0, 0,
                     "rewrite it with `greenbench profile --calibrate-host`, or remove it");
  }
}

void host_noise_save(const HostNoise& noise) {
  const std::string path = host_noise_path();
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  file_write_atomic(path, noise.to_json().dump(2) + "\n");
}

}  // namespace greenbench
