// Tests of the CPU-list parser and topology reader (meter/cpu_topology.cpp) that the perf and
// msr sources share. Not a test of either source.
#include "cpu_topology.hpp"

#include <gtest/gtest.h>

#include "fake_cpu_tree.hpp"

namespace greenbench::detail {
namespace {

TEST(CpuTopology, CpulistParsesKernelForms) {
  EXPECT_EQ(cpulist_parse("0\n"), (std::vector<int>{0}));
  EXPECT_EQ(cpulist_parse("0,36\n"), (std::vector<int>{0, 36}));
  EXPECT_EQ(cpulist_parse("0-1"), (std::vector<int>{0, 1}));
  EXPECT_EQ(cpulist_parse("0-2,8,10-11"), (std::vector<int>{0, 1, 2, 8, 10, 11}));
  for (const char* bad : {"", "\n", "0-", "-1", "3-1", "0,,1", "0,", "a", "0 1"})
    EXPECT_EQ(cpulist_parse(bad), std::nullopt) << "`" << bad << "`";
}

TEST(CpuTopology, PlacesListedInCpuOrder) {
  fake_cpu::FakeCpuTree tree;
  tree.cpu_add(10, 1, 3, 0);
  tree.cpu_add(2, 0, 1, 0);
  tree.cpu_add(0, 0, 0, 0);
  tree.file_write("sys/devices/system/cpu/cpufreq/policy0", "");  // not a cpuN folder
  auto places = cpu_places_list(tree.paths().sysfs_root);
  ASSERT_EQ(places.size(), 3u);
  EXPECT_EQ(places[0].cpu, 0);
  EXPECT_EQ(places[1].cpu, 2);
  EXPECT_EQ(places[2].cpu, 10);
  EXPECT_EQ(places[2].package, 1);
  EXPECT_EQ(places[2].core, 3);
}

}  // namespace
}  // namespace greenbench::detail
