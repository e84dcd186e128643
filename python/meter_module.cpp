// greenbench._meter: the compiled half of the Python module (README.md, "Python"). Binds the
// meter (meter_open, begin/end windows, sources_probe) and the one results reader
// (results_folder_read, results/README.md "Reading"), so Python reads a folder with exactly the
// rules every command uses. The Python API around it is python/greenbench/*.py.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "greenbench/results.hpp"

namespace py = pybind11;

namespace greenbench {
namespace {

// JSON to Python through the json module: numbers, text, lists and objects as json.loads gives
// them (NaN was already null in the JSON).
py::object json_to_py(const nlohmann::json& value) {
  return py::module_::import("json").attr("loads")(value.dump());
}

py::dict window_to_py(const EnergyWindow& w) {
  py::dict energy_j;
  for (const auto& [domain, joules] : w.energy_j) {
    if (domain != "total") energy_j[py::str(domain)] = joules;  // the total is total_j
  }
  py::dict out;
  out["name"] = w.name;
  out["start_s"] = w.start_s;
  out["duration_s"] = w.duration_s;
  out["energy_j"] = energy_j;
  out["total_j"] = w.total_j;
  out["estimated"] = w.estimated;
  out["gap_s"] = w.gap_s;
  out["resets"] = w.resets;
  out["source"] = w.source;
  out["model_j"] = w.model_j;
  out["warnings"] = w.warnings;
  return out;
}

// A started meter, as meter_open gives it, with the notes auto left.
class PyMeter {
 public:
  PyMeter(const std::string& spec, double interval_s) {
    MeterOptions options;
    options.interval_s = interval_s;
    options.keep_trace = false;  // no trace from Python: a long loop would grow it without end
    py::gil_scoped_release release;
    meter_ = meter_open(spec, options, &notes_);
  }
  // A name already open (begin) or not open (end) is a ValueError, as in Zeus's ZeusMonitor.
  void begin(const std::string& name) {
    Meter& m = open_meter();
    try {
      py::gil_scoped_release release;
      m.begin(name);
    } catch (const std::logic_error& e) {
      throw py::value_error(e.what());
    }
  }
  py::dict end(const std::string& name) {
    Meter& m = open_meter();
    EnergyWindow w;
    try {
      py::gil_scoped_release release;
      w = m.end(name);
    } catch (const std::logic_error& e) {
      throw py::value_error(e.what());
    }
    return window_to_py(w);
  }
  void close() {
    py::gil_scoped_release release;
    meter_.reset();  // stops the sampler thread
  }
  bool closed() const { return !meter_; }
  std::string source() { return open_meter().source_name(); }
  bool estimated() { return open_meter().estimated(); }
  std::vector<std::string> domains() {
    std::vector<std::string> out;
    for (const auto& spec : open_meter().domains()) out.push_back(spec.domain);
    return out;
  }
  py::object describe() { return json_to_py(open_meter().describe()); }
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  Meter& open_meter() {
    if (!meter_) throw py::value_error("the meter is closed");
    return *meter_;
  }
  std::unique_ptr<Meter> meter_;
  std::vector<std::string> notes_;
};

py::list probe() {
  std::vector<SourceProbe> probes;
  {
    py::gil_scoped_release release;
    probes = sources_probe(SourcePaths::from_env());
  }
  py::list out;
  for (const auto& p : probes) {
    py::dict d;
    d["name"] = p.name;
    d["available"] = p.available;
    std::vector<std::string> domains;
    for (const auto& c : p.counters) domains.push_back(c.domain);
    d["domains"] = domains;
    d["reason"] = p.reason;
    d["file"] = p.file;
    d["fix"] = p.fix;
    d["not_counting"] = p.not_counting;
    d["details"] = p.details.is_null() ? py::dict() : json_to_py(p.details);
    py::list dropped;
    for (const auto& c : p.dropped) dropped.append(c.domain + ": " + c.reason);
    d["dropped"] = dropped;
    out.append(d);
  }
  return out;
}

// A folder as the one reader gives it: meta and runs as JSON texts (json.loads on the Python
// side), runs.csv's header (the column order), the typed epoch rows, and the reader's notes.
py::dict folder_read(const std::string& dir) {
  ResultsFolder folder;
  {
    py::gil_scoped_release release;
    folder = results_folder_read(dir);
  }
  py::dict out;
  out["meta"] = json_to_py(folder.meta);
  out["runs"] = json_to_py(nlohmann::json(folder.runs));
  out["runs_header"] = folder.runs_csv.header;
  out["columns_before_keys"] = runs_columns_before_keys();
  out["columns_after_keys"] = runs_columns_after_keys();
  py::list epochs;
  for (const auto& e : folder.epochs) {
    epochs.append(py::make_tuple(e.run_id, e.epoch, e.phase, e.seconds, e.energy_j, e.samples,
                                 e.loss, e.accuracy, e.tokens, e.energy_model_j));
  }
  out["epochs"] = epochs;
  out["epochs_columns"] =
      std::vector<std::string>{"run_id",  "epoch", "phase",    "seconds", "energy_j",
                               "samples", "loss",  "accuracy", "tokens",  "energy_model_j"};
  out["notes"] = folder.notes;
  return out;
}

}  // namespace
}  // namespace greenbench

PYBIND11_MODULE(_meter, m) {
  using namespace greenbench;
  m.doc() = "greenbench's meter and results reader (compiled half; use the greenbench package)";

  static py::exception<SourceUnavailable> source_unavailable(m, "SourceUnavailable",
                                                             PyExc_RuntimeError);
  static py::exception<InputError> results_error(m, "ResultsError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const SourceUnavailable& e) {
      std::string text = e.source + ": " + e.reason;
      if (!e.file.empty()) text += " (" + e.file + ")";
      if (!e.fix.empty()) text += "; " + e.fix;
      PyErr_SetString(source_unavailable.ptr(), text.c_str());
    } catch (const InputError& e) {
      PyErr_SetString(results_error.ptr(), e.what());
    }
  });

  py::class_<PyMeter>(m, "Meter")
      .def(py::init<const std::string&, double>(), py::arg("source"), py::arg("interval_s"))
      .def("begin", &PyMeter::begin, py::arg("name"))
      .def("end", &PyMeter::end, py::arg("name"))
      .def("close", &PyMeter::close)
      .def_property_readonly("closed", &PyMeter::closed)
      .def_property_readonly("source", &PyMeter::source)
      .def_property_readonly("estimated", &PyMeter::estimated)
      .def_property_readonly("domains", &PyMeter::domains)
      .def_property_readonly("notes", &PyMeter::notes)
      .def("describe", &PyMeter::describe);
  m.def("probe", &probe, "Every source: available, or why not (as `greenbench meter probe`).");
  m.def("folder_read", &folder_read, py::arg("dir"),
        "A results folder read with the one reader's rules (results/README.md).");
}
