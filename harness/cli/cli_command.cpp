// The options several commands share (see cli_command.hpp).
#include "cli_command.hpp"

#include "run_defaults.hpp"

namespace greenbench {

CLI::Option* grid_option_add(CLI::App& cmd, std::string& grid, const std::string& about) {
  return cmd.add_option("grid", grid, about)->type_name("GRID.yaml");
}

CLI::Option* workload_option_add(CLI::App& cmd, std::string& workload, const std::string& about) {
  return cmd.add_option("--workload", workload, about)->type_name("WORKLOAD");
}

CLI::Option* sets_option_add(CLI::App& cmd, std::vector<std::string>& sets,
                             const std::string& about) {
  return cmd.add_option("--set", sets, about)->take_all()->type_name("KEY=VALUE");
}

CLI::Option* meter_option_add(CLI::App& cmd, std::string& meter, const std::string& about,
                              const std::string& flag) {
  return cmd.add_option(flag, meter, about)
      ->check(CLI::IsMember(kMeterChoices))
      ->type_name("SOURCE");
}

CLI::Option* out_option_add(CLI::App& cmd, std::string& out, const std::string& value_name,
                            const std::string& about) {
  return cmd.add_option("-o,--out", out, about)->type_name(value_name);
}

CLI::Option* results_dir_add(CLI::App& cmd, std::string& dir, const std::string& name,
                             const std::string& about) {
  return cmd.add_option(name, dir, about)->required()->type_name("RESULTS_DIR");
}

CLI::Option* results_dirs_add(CLI::App& cmd, std::vector<std::string>& dirs,
                              const std::string& name, const std::string& about) {
  return cmd.add_option(name, dirs, about)->required()->type_name("RESULTS_DIR");
}

}  // namespace greenbench
