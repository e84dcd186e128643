// Links greenbench::workloads from an installed prefix: lists the workloads and sizes an MLP
// from shapes alone (no data loaded), printing one JSON line.
#include <greenbench/workload.hpp>
#include <iostream>

int main() {
  nlohmann::json names = greenbench::workload_names();
  auto config = greenbench::workload_config_complete(
      "mlp", {{"dataset", "synthetic"}, {"hidden", {32}}, {"input_shape", {1, 8, 8}}});
  const auto size = greenbench::workload_size("mlp", config);
  std::cout << nlohmann::json{{"workloads", names}, {"mlp_params", size.params}}.dump() << "\n";
  return 0;
}
