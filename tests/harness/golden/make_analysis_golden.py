#!/usr/bin/python3
"""Writes analysis_stats.json: inputs and numpy/scipy answers for greenbench's analysis
statistics (harness/stats/stats.cpp, findings.cpp), checked by analysis_stats_test.cpp.
Run from anywhere with Debian's python3-numpy and python3-scipy:
    /usr/bin/python3 tests/harness/golden/make_analysis_golden.py
Not used at test time; the JSON it writes is committed."""
import json
import os

import numpy as np
from scipy import special, stats

rng = np.random.default_rng(20240501)
cases = []


def nan_to_none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


def add_case(name, x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    xf, yf = x[ok], y[ok]
    n = int(ok.sum())
    pr = stats.pearsonr(xf, yf)
    ci = pr.confidence_interval(confidence_level=0.95)
    rho = stats.spearmanr(xf, yf).correlation
    z = np.arctanh(rho)
    se = np.sqrt(1.06 / (n - 3))
    q = stats.norm.ppf(0.975)
    lr = stats.linregress(xf, yf)
    tq = stats.t.ppf(0.975, n - 2)
    cases.append({
        "name": name,
        "x": [nan_to_none(v) for v in x], "y": [nan_to_none(v) for v in y],
        "n": n,
        "pearson": float(pr.statistic), "pearson_ci95": [float(ci.low), float(ci.high)],
        "spearman": float(rho), "spearman_ci95": [float(np.tanh(z - q * se)), float(np.tanh(z + q * se))],
        "ranks_x": stats.rankdata(xf, method="average").tolist(),
        "slope": float(lr.slope), "intercept": float(lr.intercept), "r2": float(lr.rvalue ** 2),
        "slope_se": float(lr.stderr), "intercept_se": float(lr.intercept_stderr),
        "slope_ci95": [float(lr.slope - tq * lr.stderr), float(lr.slope + tq * lr.stderr)],
    })


x = rng.normal(size=30)
add_case("normal_linear", x, 2.0 * x + rng.normal(scale=0.7, size=30))
# Ties on both sides (integers), and a monotone but non-linear relation.
xi = rng.integers(0, 6, size=25).astype(float)
add_case("ties", xi, np.round(xi ** 2 + rng.normal(scale=3, size=25)))
x = np.exp(rng.normal(size=20))
y = x ** 3
y[[3, 11]] = np.nan  # missing values: pairwise-complete
add_case("monotone_with_nan", x, y)
add_case("negative", np.arange(12.0), -np.arange(12.0) * 0.5 + rng.normal(scale=1.5, size=12))

# Williams' t (Steiger 1980, eq. 7) for dependent correlations sharing one variable.
williams = []
for r_jk, r_jh, r_kh, n in [(0.8, 0.5, 0.6, 30), (0.45, 0.40, 0.9, 100), (0.3, 0.6, 0.2, 12)]:
    det = 1 - r_jk ** 2 - r_jh ** 2 - r_kh ** 2 + 2 * r_jk * r_jh * r_kh
    rbar = (r_jk + r_jh) / 2
    t = (r_jk - r_jh) * np.sqrt((n - 1) * (1 + r_kh) / (2 * (n - 1) / (n - 3) * det + rbar ** 2 * (1 - r_kh) ** 3))
    williams.append({"r_jk": r_jk, "r_jh": r_jh, "r_kh": r_kh, "n": n, "t": float(t),
                     "p": float(2 * stats.t.sf(abs(t), n - 3))})

dist = {
    "t_cdf": [{"t": t, "df": df, "cdf": float(stats.t.cdf(t, df))}
              for t, df in [(-3.2, 2), (0.0, 5), (0.7, 1), (1.96, 10), (2.5, 27), (-0.3, 120), (6.0, 4)]],
    "t_ppf": [{"p": p, "df": df, "ppf": float(stats.t.ppf(p, df))}
              for p, df in [(0.975, 1), (0.975, 3), (0.975, 10), (0.995, 28), (0.025, 7)]],
    "norm_ppf": [{"p": p, "ppf": float(stats.norm.ppf(p))} for p in [0.5, 0.975, 0.995, 0.001]],
    "betainc": [{"a": a, "b": b, "x": xx, "value": float(special.betainc(a, b, xx))}
                for a, b, xx in [(0.5, 0.5, 0.3), (2, 3, 0.4), (10, 0.5, 0.95), (1.5, 14, 0.02), (50, 50, 0.55)]],
}

# Leave-one-group-out log-log predictions (findings.cpp loglog_leave_group_out).
px = np.exp(rng.uniform(8, 14, size=18))
groups = ["a", "a", "a", "b", "b", "c", "c", "c", "c", "d", "d", "e", "e", "e", "f", "f", "f", "f"]
py = 3e-6 * px ** 0.8 * np.exp(rng.normal(scale=0.3, size=18))
pred = []
for i, g in enumerate(groups):
    keep = [j for j, h in enumerate(groups) if h != g]
    b, a = np.polyfit(np.log(px[keep]), np.log(py[keep]), 1)
    pred.append(float(np.exp(a + b * np.log(px[i]))))
logo = {"x": px.tolist(), "y": py.tolist(), "group": groups, "predicted": pred}

out = {"generator": "tests/harness/golden/make_analysis_golden.py",
       "numpy": np.__version__, "scipy": __import__("scipy").__version__,
       "cases": cases, "williams": williams, "distributions": dist, "leave_group_out": logo}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis_stats.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", path)
