/* A fake libnvidia-ml for tests: exports the few NVML calls meter/nvml.cpp uses, with power
 * programmed through the environment and energy as its exact integral. Not a model of any real
 * GPU, and not thread-safe beyond what one sampler thread needs.
 *
 * Built twice (tests/meter/CMakeLists.txt): `fake_nvml` exports
 * nvmlDeviceGetTotalEnergyConsumption; `fake_nvml_noenergy` is compiled with -DFAKE_NVML_NO_ENERGY,
 * so that symbol does not exist and the meter must integrate nvmlDeviceGetPowerUsage.
 *
 * Knobs, read from the environment at nvmlInit_v2 (times are seconds since nvmlInit_v2):
 *   FAKE_NVML_GPUS=N               number of GPUs, 0..16 (default 1)
 *   FAKE_NVML_POWER_W=W0,W1,...    watts per GPU before any step; a short list repeats its last
 *                                  value (default 100)
 *   FAKE_NVML_STEP=T:W0,W1,...     at T seconds the power moves to the second list
 *   FAKE_NVML_RAMP_S=R             ... linearly over [T, T+R] instead of at once (default 0)
 *   FAKE_NVML_POWER_PERIOD_MS=P    nvmlDeviceGetPowerUsage reports the mean power over the last
 *                                  completed P ms period, as real boards do (default 0: exact)
 *   FAKE_NVML_ENERGY_UNSUPPORTED=1,3  GPUs whose energy call returns NVML_ERROR_NOT_SUPPORTED
 *   FAKE_NVML_FAIL_S=A:B           energy and power calls fail (NVML_ERROR_UNKNOWN) for A <= t < B
 *   FAKE_NVML_INIT_FAIL=1          nvmlInit_v2 returns NVML_ERROR_DRIVER_NOT_LOADED
 *   FAKE_NVML_LIMIT_FILE=PATH      power limits (docs/knobs.md): the file holds one line per GPU,
 *                                  "LIMIT_MW MIN_MW MAX_MW"; nvmlDeviceGetPowerManagementLimit and
 *                                  ...LimitConstraints read it, nvmlDeviceSetPowerManagementLimit
 *                                  rewrites the GPU's LIMIT_MW (out of [MIN, MAX]:
 * INVALID_ARGUMENT). A file, not memory, so a limit outlives the process that set it, as on a real
 * board (kill -9 leaves it). Unset: NOT_SUPPORTED. FAKE_NVML_LIMIT_READONLY=1
 * nvmlDeviceSetPowerManagementLimit returns NO_PERMISSION GPU i is named "Fake NVML GPU i" with
 * UUID "GPU-00000000-0000-0000-0000-%012u" (i), and its energy counter starts at an arbitrary
 * 1000000000 + 1000 * i mJ, as a driver counts since load.
 *
 * For tests (via dlsym): fake_nvml_truth_j(gpu, t0_s, t1_s) is the exact energy in joules GPU
 * `gpu` used between two CLOCK_MONOTONIC times (seconds), as programmed; fake_nvml_init_count()
 * is how many nvmlInit_v2 calls are not yet matched by nvmlShutdown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAKE_EXPORT __attribute__((visibility("default")))
#define FAKE_MAX_GPUS 16

typedef int nvmlReturn_t;
enum {
  NVML_SUCCESS = 0,
  NVML_ERROR_UNINITIALIZED = 1,
  NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_NO_PERMISSION = 4,
  NVML_ERROR_INSUFFICIENT_SIZE = 7,
  NVML_ERROR_DRIVER_NOT_LOADED = 9,
  NVML_ERROR_UNKNOWN = 999,
};

struct fake_gpu {
  unsigned index;
  double power0_w, power1_w; /* before and after the step */
  int energy_unsupported;
};
typedef struct fake_gpu* nvmlDevice_t;

static struct {
  int init_count;
  double t0_s; /* CLOCK_MONOTONIC at the first nvmlInit_v2 */
  unsigned gpu_count;
  struct fake_gpu gpus[FAKE_MAX_GPUS];
  double step_s, ramp_s, period_s; /* step_s < 0: no step */
  double fail_from_s, fail_to_s;
} g;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char* env_str(const char* name) {
  const char* v = getenv(name);
  return (v && *v) ? v : NULL;
}

/* Parses a comma list of doubles into out[0..FAKE_MAX_GPUS), repeating the last value. */
static void list_parse(const char* text, double fallback, double* out) {
  double last = fallback;
  const char* p = text;
  for (unsigned i = 0; i < FAKE_MAX_GPUS; ++i) {
    if (p && *p) {
      char* end = NULL;
      last = strtod(p, &end);
      p = (*end == ',') ? end + 1 : NULL;
    }
    out[i] = last;
  }
}

/* Energy of one GPU from nvmlInit_v2 to `t_s` seconds after it, in joules (exact integral). */
static double energy_since_init_j(const struct fake_gpu* gpu, double t_s) {
  double p0 = gpu->power0_w, p1 = gpu->power1_w;
  if (t_s <= 0) return 0;
  if (g.step_s < 0 || t_s <= g.step_s) return p0 * t_s;
  double e = p0 * g.step_s, into = t_s - g.step_s;
  if (into < g.ramp_s) return e + p0 * into + (p1 - p0) * into * into / (2 * g.ramp_s);
  return e + 0.5 * (p0 + p1) * g.ramp_s + p1 * (into - g.ramp_s);
}

static double power_at_w(const struct fake_gpu* gpu, double t_s) {
  if (g.step_s < 0 || t_s <= g.step_s) return gpu->power0_w;
  double into = t_s - g.step_s;
  if (into < g.ramp_s) return gpu->power0_w + (gpu->power1_w - gpu->power0_w) * into / g.ramp_s;
  return gpu->power1_w;
}

static nvmlReturn_t read_check(nvmlDevice_t device, const void* out, double* t_s) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device || !out) return NVML_ERROR_INVALID_ARGUMENT;
  *t_s = mono_s() - g.t0_s;
  if (*t_s >= g.fail_from_s && *t_s < g.fail_to_s) return NVML_ERROR_UNKNOWN;
  return NVML_SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlInit_v2(void) {
  if (g.init_count > 0) {
    ++g.init_count;
    return NVML_SUCCESS;
  }
  const char* fail = env_str("FAKE_NVML_INIT_FAIL");
  if (fail && strcmp(fail, "0") != 0) return NVML_ERROR_DRIVER_NOT_LOADED;

  const char* count = env_str("FAKE_NVML_GPUS");
  long n = count ? strtol(count, NULL, 10) : 1;
  g.gpu_count = (unsigned)(n < 0 ? 0 : n > FAKE_MAX_GPUS ? FAKE_MAX_GPUS : n);

  double power0[FAKE_MAX_GPUS], power1[FAKE_MAX_GPUS];
  list_parse(env_str("FAKE_NVML_POWER_W"), 100.0, power0);
  g.step_s = -1;
  const char* step = env_str("FAKE_NVML_STEP");
  const char* colon = step ? strchr(step, ':') : NULL;
  if (colon) g.step_s = strtod(step, NULL);
  list_parse(colon ? colon + 1 : NULL, 100.0, power1);
  const char* ramp = env_str("FAKE_NVML_RAMP_S");
  g.ramp_s = ramp ? strtod(ramp, NULL) : 0.0;
  const char* period = env_str("FAKE_NVML_POWER_PERIOD_MS");
  g.period_s = period ? strtod(period, NULL) * 1e-3 : 0.0;

  g.fail_from_s = g.fail_to_s = 0;
  const char* window = env_str("FAKE_NVML_FAIL_S");
  const char* window_colon = window ? strchr(window, ':') : NULL;
  if (window_colon) {
    g.fail_from_s = strtod(window, NULL);
    g.fail_to_s = strtod(window_colon + 1, NULL);
  }

  double unsupported[FAKE_MAX_GPUS];
  for (unsigned i = 0; i < FAKE_MAX_GPUS; ++i) unsupported[i] = -1;
  const char* unsup = env_str("FAKE_NVML_ENERGY_UNSUPPORTED");
  if (unsup) list_parse(unsup, -1, unsupported);

  for (unsigned i = 0; i < FAKE_MAX_GPUS; ++i) {
    struct fake_gpu* gpu = &g.gpus[i];
    gpu->index = i;
    gpu->power0_w = power0[i];
    gpu->power1_w = colon ? power1[i] : power0[i];
    gpu->energy_unsupported = 0;
    for (unsigned k = 0; k < FAKE_MAX_GPUS; ++k)
      if (unsupported[k] == (double)i) gpu->energy_unsupported = 1;
  }
  g.t0_s = mono_s();
  g.init_count = 1;
  return NVML_SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlShutdown(void) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  --g.init_count;
  return NVML_SUCCESS;
}

FAKE_EXPORT const char* nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case NVML_SUCCESS:
      return "Success";
    case NVML_ERROR_UNINITIALIZED:
      return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT:
      return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED:
      return "Not Supported";
    case NVML_ERROR_NO_PERMISSION:
      return "Insufficient Permissions";
    case NVML_ERROR_INSUFFICIENT_SIZE:
      return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED:
      return "Driver Not Loaded";
    default:
      return "Unknown Error";
  }
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (!count) return NVML_ERROR_INVALID_ARGUMENT;
  *count = g.gpu_count;
  return NVML_SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device || index >= g.gpu_count) return NVML_ERROR_INVALID_ARGUMENT;
  *device = &g.gpus[index];
  return NVML_SUCCESS;
}

static nvmlReturn_t string_copy(const char* text, char* out, unsigned int length) {
  if ((size_t)length < strlen(text) + 1) return NVML_ERROR_INSUFFICIENT_SIZE;
  memcpy(out, text, strlen(text) + 1);
  return NVML_SUCCESS;
}

/* A text naming one GPU (its name or UUID), `format` with the GPU's index as its one %u. */
static nvmlReturn_t device_text(nvmlDevice_t device, const char* format, char* out,
                                unsigned int length) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device || !out) return NVML_ERROR_INVALID_ARGUMENT;
  char text[64];
  snprintf(text, sizeof text, format, device->index);
  return string_copy(text, out, length);
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
  return device_text(device, "Fake NVML GPU %u", name, length);
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned int length) {
  return device_text(device, "GPU-00000000-0000-0000-0000-%012u", uuid, length);
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int* power_mw) {
  double t_s;
  nvmlReturn_t rc = read_check(device, power_mw, &t_s);
  if (rc != NVML_SUCCESS) return rc;
  double power_w = power_at_w(device, t_s);
  if (g.period_s > 0 && t_s >= g.period_s) {
    double end_s = (double)(long long)(t_s / g.period_s) * g.period_s;
    power_w =
        (energy_since_init_j(device, end_s) - energy_since_init_j(device, end_s - g.period_s)) /
        g.period_s;
  }
  *power_mw = (unsigned int)(power_w * 1e3 + 0.5);
  return NVML_SUCCESS;
}

#ifndef FAKE_NVML_NO_ENERGY
FAKE_EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device,
                                                             unsigned long long* energy_mj) {
  if (g.init_count > 0 && device && device->energy_unsupported) return NVML_ERROR_NOT_SUPPORTED;
  double t_s;
  nvmlReturn_t rc = read_check(device, energy_mj, &t_s);
  if (rc != NVML_SUCCESS) return rc;
  double mj = energy_since_init_j(device, t_s) * 1e3;
  *energy_mj = 1000000000ull + 1000ull * device->index + (unsigned long long)mj;
  return NVML_SUCCESS;
}
#endif

/* Power limits: FAKE_NVML_LIMIT_FILE's lines, "LIMIT_MW MIN_MW MAX_MW" per GPU. */
static int limits_read(unsigned gpu, unsigned* limit, unsigned* min, unsigned* max) {
  const char* path = env_str("FAKE_NVML_LIMIT_FILE");
  FILE* f = path ? fopen(path, "r") : NULL;
  if (!f) return 0;
  unsigned l = 0, lo = 0, hi = 0;
  int found = 0;
  for (unsigned i = 0; i <= gpu; ++i) found = fscanf(f, "%u %u %u", &l, &lo, &hi) == 3;
  fclose(f);
  if (!found) return 0;
  *limit = l, *min = lo, *max = hi;
  return 1;
}

static nvmlReturn_t limit_write(unsigned gpu, unsigned limit_mw) {
  const char* path = env_str("FAKE_NVML_LIMIT_FILE");
  unsigned l[FAKE_MAX_GPUS], lo[FAKE_MAX_GPUS], hi[FAKE_MAX_GPUS], n = 0;
  FILE* f = path ? fopen(path, "r") : NULL;
  if (!f) return NVML_ERROR_NOT_SUPPORTED;
  while (n < FAKE_MAX_GPUS && fscanf(f, "%u %u %u", &l[n], &lo[n], &hi[n]) == 3) ++n;
  fclose(f);
  if (gpu >= n) return NVML_ERROR_NOT_SUPPORTED;
  if (limit_mw < lo[gpu] || limit_mw > hi[gpu]) return NVML_ERROR_INVALID_ARGUMENT;
  l[gpu] = limit_mw;
  f = fopen(path, "w");
  if (!f) return NVML_ERROR_UNKNOWN;
  for (unsigned i = 0; i < n; ++i) fprintf(f, "%u %u %u\n", l[i], lo[i], hi[i]);
  return fclose(f) == 0 ? NVML_SUCCESS : NVML_ERROR_UNKNOWN;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device,
                                                           unsigned int* limit_mw) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device || !limit_mw) return NVML_ERROR_INVALID_ARGUMENT;
  unsigned lo, hi;
  return limits_read(device->index, limit_mw, &lo, &hi) ? NVML_SUCCESS : NVML_ERROR_NOT_SUPPORTED;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimitConstraints(nvmlDevice_t device,
                                                                      unsigned int* min_mw,
                                                                      unsigned int* max_mw) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device || !min_mw || !max_mw) return NVML_ERROR_INVALID_ARGUMENT;
  unsigned l;
  return limits_read(device->index, &l, min_mw, max_mw) ? NVML_SUCCESS : NVML_ERROR_NOT_SUPPORTED;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceSetPowerManagementLimit(nvmlDevice_t device,
                                                           unsigned int limit_mw) {
  if (g.init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (!device) return NVML_ERROR_INVALID_ARGUMENT;
  const char* ro = env_str("FAKE_NVML_LIMIT_READONLY");
  if (ro && strcmp(ro, "0") != 0) return NVML_ERROR_NO_PERMISSION;
  return limit_write(device->index, limit_mw);
}

FAKE_EXPORT double fake_nvml_truth_j(unsigned int gpu, double t0_s, double t1_s) {
  if (gpu >= FAKE_MAX_GPUS) return -1;
  return energy_since_init_j(&g.gpus[gpu], t1_s - g.t0_s) -
         energy_since_init_j(&g.gpus[gpu], t0_s - g.t0_s);
}

FAKE_EXPORT int fake_nvml_init_count(void) {
  return g.init_count;
}
