// Carbon arithmetic: grams CO2e = kWh x grid intensity x PUE, and the shipped table of grid
// intensities by region, each with its source and year. Rounded annual averages: for a real
// inventory use your grid's current (or hourly) figure via carbon.intensity_g_per_kwh.
#include <algorithm>
#include <cctype>

#include "greenbench/meter.hpp"

namespace greenbench {

double carbon_g(double energy_j, double intensity_g_per_kwh, double pue) {
  return energy_j / 3.6e6 * intensity_g_per_kwh * pue;
}

const std::vector<CarbonIntensity>& carbon_intensity_table() {
  static const std::vector<CarbonIntensity> table = {
      {"WORLD", 475,
       "IEA, Global Energy & CO2 Status Report (world average, as used by the ML CO2 Impact "
       "calculator)",
       2019},
      {"GB", 207,
       "UK Government GHG Conversion Factors, electricity generated (0.20707 kgCO2e/kWh)", 2023},
      {"US", 390, "US EIA, 'How much carbon dioxide is produced per kWh' (0.86 lb/kWh)", 2022},
      {"DE", 380, "Umweltbundesamt, CO2 emission factor of the German electricity mix", 2023},
      {"FR", 56, "Ember, Yearly Electricity Data (France)", 2023},
      {"EU", 251, "European Environment Agency, GHG intensity of electricity generation (EU-27)",
       2022},
      {"CN", 582, "Ember, Yearly Electricity Data (China)", 2023},
      {"IN", 713, "Ember, Yearly Electricity Data (India)", 2023},
      {"SE", 41, "Ember, Yearly Electricity Data (Sweden)", 2023},
  };
  return table;
}

const CarbonIntensity& carbon_intensity_lookup(const std::string& region) {
  std::string key = region;
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (key == "UK") key = "GB";
  for (const auto& e : carbon_intensity_table())
    if (e.region == key) return e;
  throw std::out_of_range("unknown carbon region '" + region + "'");
}

}  // namespace greenbench
