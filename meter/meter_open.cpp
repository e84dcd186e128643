// The one-call opener and the self-ending window for code that meters its own loop
// (README.md, "Metering your own code"). Not the sources (factory.cpp) nor the sampler.
#include "greenbench/meter.hpp"

namespace greenbench {

std::unique_ptr<Meter> meter_open(const std::string& spec, MeterOptions options,
                                  std::vector<std::string>* notes) {
  OpenedSources opened = sources_open(spec, SourcePaths::from_env());
  if (notes) {
    if (!opened.fallback_note.empty()) notes->push_back(opened.fallback_note);
    notes->insert(notes->end(), opened.notes.begin(), opened.notes.end());
  }
  auto meter = std::make_unique<Meter>(std::move(opened), options);
  meter->start();
  return meter;
}

MeterWindow::MeterWindow(Meter& meter, std::string name, EnergyWindow* result)
    : meter_(meter), name_(std::move(name)), result_(result) {
  meter_.begin(name_);
}

MeterWindow::~MeterWindow() {
  if (ended_) return;
  try {
    end();
  } catch (...) {
    // A destructor must not throw; the window's figures are then simply not written.
  }
}

EnergyWindow MeterWindow::end() {
  if (ended_) throw std::logic_error("meter window already ended: " + name_);
  ended_ = true;
  EnergyWindow w = meter_.end(name_);
  if (result_) *result_ = w;
  return w;
}

}  // namespace greenbench
