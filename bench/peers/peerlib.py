"""peerlib.py -- what the numpy peers share: the command line (parsed at
import, so BLAS thread variables are set before numpy loads), the record
format `tandem bench` reads, timing over repetitions, size classes."""
import math
import os
import sys
import time

NAMES = ["crossprod-chol", "matmul", "vecmath", "three-tasks", "cv-folds", "alloc",
         "nested", "stratified", "simulation", "compute-once", "rng", "bootstrap", "stats",
         "glm", "pca", "take"]


def parse_args(argv):
    opts = {"size": "default", "threads": os.cpu_count() or 1, "reps": 0, "names": [],
            "only": None, "detail": False}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--size", "--threads", "--reps", "--only-variant"):
            if i + 1 >= len(argv):
                sys.exit("scenarios.py: %s needs a value" % a)
            v = argv[i + 1]
            i += 2
            if a == "--size":
                if v not in ("small", "default", "full"):
                    sys.exit("scenarios.py: --size %s: expected small, default or full" % v)
                opts["size"] = v
            elif a == "--only-variant":
                opts["only"] = v
            else:
                opts[a[2:]] = int(v)
            continue
        if a == "--detail":  # the rows of `tandem bench --detail` too
            opts["detail"] = True
            i += 1
            continue
        opts["names"].append(a)  # a scenario with no peer gets a skipped record
        i += 1
    if not opts["names"]:
        opts["names"] = list(NAMES)
    return opts


OPTS = parse_args(sys.argv[1:])
# BLAS threads are fixed when numpy loads: set them first.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(OPTS["threads"])


def row(scenario, variant, size, dtype, backend="numpy", **kw):
    r = {"scenario": scenario, "backend": backend, "variant": variant, "size": size,
         "dtype": dtype, "threads": OPTS["threads"], "median_s": None, "min_s": None,
         "max_s": None, "reps": 0, "rate": None, "rate_unit": "", "check": "ok", "note": ""}
    r.update(kw)
    return r


def skipped(scenario, why, backend="numpy"):
    return row(scenario, "", "", "", backend=backend, check="skipped", skipped=why)


def optional(module):
    """(module, None) if it imports, else (None, why): the stronger peers
    (numexpr, JAX, pandas, scipy) come from scripts/peers.sh's virtualenv
    and are skipped with the reason where they are missing."""
    try:
        return __import__(module, fromlist=["_"]), None
    except Exception as e:  # noqa: BLE001 -- any import failure is a reason to skip
        return None, "%s is not importable by %s (scripts/peers.sh installs it): %s" % (
            module.split(".")[0], sys.executable, str(e).splitlines()[0] if str(e) else type(e).__name__)


SIZE = OPTS["size"]
W = OPTS["threads"]


def pick(small, default, full):
    return {"small": small, "default": default, "full": full}[SIZE]


def count(n):
    if n < 1e5:
        return "%d" % n
    e = int(math.floor(math.log10(n)))
    m = n / 10 ** e
    return ("%de%d" % (round(m), e)) if abs(m - round(m)) < 1e-9 else ("%ge%d" % (m, e))


def progress(msg):
    print("[numpy] %s" % msg, file=sys.stderr, flush=True)


def timed(scenario, variant, reps, fn):
    """reps runs of fn(); returns (median, min, max, last result, reps)."""
    ts, out = [], None
    for i in range(reps):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
        progress("%s %s rep %d/%d %.4f s" % (scenario, variant, i + 1, reps, ts[-1]))
    s = sorted(ts)
    med = s[len(s) // 2] if len(s) % 2 else 0.5 * (s[len(s) // 2 - 1] + s[len(s) // 2])
    return med, s[0], s[-1], out, reps


def finish(r, t, work, unit):
    r["median_s"], r["min_s"], r["max_s"] = t[0], t[1], t[2]
    r["reps"] = t[4] if len(t) > 4 else 1
    r["rate"] = work / t[0] if t[0] > 0 else None
    r["rate_unit"] = unit
    return r


def reps(default):
    return OPTS["reps"] or default


def fail(r, msg):
    if r["check"] == "ok":
        r["check"] = msg
    return r
