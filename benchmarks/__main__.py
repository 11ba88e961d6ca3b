"""``make bench``: time evtk against plain polars (the floor) and pandera (the baseline).

    python -m benchmarks [--sizes 1000000,10000000] [--huge 100000000] [--huge-build 100000000]
                         [--import-rows 5000000] [--spark-rows 10000000] [--workdir bench-data]

Every task runs in its own process; the table gives wall time, peak resident memory and the
ratios the performance targets are stated in. Results also go to ``<workdir>/results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.tasks", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def measure(args: list[str]) -> dict[str, float]:
    """Run ``python -m benchmarks.tasks ARGS`` and return its JSON plus wall time and peak RSS."""
    t0 = time.perf_counter()
    proc = _start(args)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read() if proc.stdout else ""
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"task {args} failed:\n{err[-2000:]}")
    info = json.loads(out.strip().splitlines()[-1])
    info["wall"] = wall
    info["peak_mib"] = usage.ru_maxrss / 1024
    return info


def measure_tree(args: list[str]) -> dict[str, float]:
    """:func:`measure` for a task with child processes (Spark's JVM and Python workers): peak
    memory is the largest sum of RSS over the task's whole process tree, sampled every 0.2 s."""
    import psutil

    t0 = time.perf_counter()
    proc = _start(args)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            for p in [root, *root.children(recursive=True)]:
                total += p.memory_info().rss
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"task {args} failed:\n{err[-2000:]}")
    info = json.loads(out.strip().splitlines()[-1])
    info["wall"] = wall
    info["peak_mib"] = peak / 1024**2
    return info


def spark_check(workdir: Path, n: int, master: str, results: dict[str, object]) -> None:
    """`release check` of one generated n-event release (four partitions) with the polars engine
    and with `--engine spark` on ``master``; memory of the whole driver-side process tree."""
    from benchmarks.huge import generate_release

    print(f"\n== release check of a {n:,}-event release: polars engine and Spark {master}", flush=True)
    rel = generate_release(n, workdir / f"spark-{n}", per_partition=max(n // 4, 1))
    local = measure_tree(["check", str(rel)])
    spark = measure_tree(["check_spark", str(rel), master])
    print(row("evtk release check (polars)", local))
    print(row(f"evtk release check (spark {master})", spark))
    print(
        f"  {'  spark split':<34} start-up {spark['startup']:.1f} s, tasks + hash groupBy "
        f"{spark['tasks']:.1f} s (tasks' own time {spark['task_seconds']:.1f} s summed), "
        f"confirm + merge {spark['reductions']:.1f} s, rest of the check {spark['other']:.1f} s"
    )
    print("  peak memory: RSS summed over the process tree (Spark: driver Python + JVM + Python workers)")
    results["spark_check"] = {"rows": n, "master": master, "polars": local, "spark": spark}


def ensure_data(workdir: Path, events: int, error_share: float) -> Path:
    """Generate (once) a data folder; in a child process, so this process stays small and the
    peak memory the tasks report (which includes what a child inherits at fork) stays theirs."""
    d = workdir / f"data-v2-{events}-{error_share}"
    if not (d / ".complete").exists():
        shutil.rmtree(d, ignore_errors=True)
        info = measure(["generate", str(d), str(events), str(error_share)])
        (d / ".complete").write_text("ok")
        print(f"  generated {events:,} events ({error_share:.0%} bad) in {info['seconds']:.1f} s", flush=True)
    return d


def row(label: str, info: dict[str, float], floor: float | None = None, base: float | None = None) -> str:
    secs = info["seconds"]
    parts = [f"  {label:<34} {secs:8.2f} s  {info['peak_mib']:8.0f} MiB"]
    if floor:
        parts.append(f"  {secs / floor:6.2f}x floor")
    if base:
        parts.append(f"  {base / secs:6.2f}x faster than pandera")
    return "".join(parts)


def bench_size(workdir: Path, n: int, results: dict[str, object]) -> None:
    print(f"\n== {n:,} events", flush=True)
    clean = ensure_data(workdir, n, 0.0)
    dirty = ensure_data(workdir, n, 0.01)
    events = str(clean / "coded" / "events.parquet")
    read = measure(["read", events])
    rw = measure(["read_write", events, str(workdir / "rw.parquet")])
    pandera = measure(["pandera", events])
    bare = measure(["bare", events])
    val = measure(["validate", str(clean)])
    val_dirty = measure(["validate", str(dirty)])
    rel_dir = workdir / f"releases-{n}"
    build = measure(["build", str(clean), str(rel_dir), "1.0.0"])
    check = measure(["check", str(rel_dir / "1.0.0")])
    (workdir / "rw.parquet").unlink(missing_ok=True)
    print(row("read events (pl.read_parquet) FLOOR", read))
    print(row("pandera DataFrameModel BASELINE", pandera, read["seconds"]))
    print(row("bare checks, one query BASELINE", bare, read["seconds"]))
    print(row("evtk validate (read + all checks)", val, read["seconds"], pandera["seconds"]))
    print(
        f"  {'  validate / bare checks':<34} {val['seconds'] / bare['seconds']:8.2f}x  "
        "(target at most 1.5x, goal 1.25x)"
    )
    checks_only = val["seconds"] - read["seconds"]
    print(
        f"  {'  of which checks (validate - read)':<34} {checks_only:8.2f} s             "
        f"{checks_only / read['seconds']:6.2f}x floor"
    )
    print(row("evtk validate, 1% bad rows", val_dirty, read["seconds"]))
    print(
        f"  {'  dirty / clean':<34} {val_dirty['seconds'] / val['seconds']:8.2f}x  "
        f"({val_dirty['errors']} errors, report bounded to 20 examples per rule)"
    )
    print(row("read + write_parquet FLOOR", rw))
    print(row("evtk release build", build, rw["seconds"]))
    print(row("evtk release check", check, read["seconds"]))
    results[str(n)] = {
        "read": read,
        "read_write": rw,
        "pandera": pandera,
        "bare": bare,
        "validate": val,
        "validate_dirty": val_dirty,
        "build": build,
        "check": check,
    }


def import_then_validate(workdir: Path, rows: int, results: dict[str, object]) -> None:
    """The headline case: a GDELT 2.0 file imported with `evtk import gdelt2`, then validated; the
    imported Parquet is also read plainly, checked by the bare query and by pandera (same file)."""
    print(f"\n== import of a {rows:,}-row GDELT 2.0 file (generated for the purpose), then validate")
    info = measure(["import", str(rows), str(workdir), "keep"])
    print(
        "  "
        + ", ".join(
            f"{k}: {v:,.1f}" if isinstance(v, float) else f"{k}: {v:,}"
            for k, v in info.items()
            if k not in ("seconds", "wall")
        )
    )
    imported = workdir / "bench.parquet"
    (workdir / "bench.export.tsv").unlink(missing_ok=True)
    try:
        read = measure(["read", str(imported)])
        pandera = measure(["pandera", str(imported)])
        bare = measure(["bare", str(imported)])
        val = measure(["validate", str(imported)])
    finally:
        imported.unlink(missing_ok=True)
    print(row("read imported (pl.read_parquet) FLOOR", read))
    print(row("pandera DataFrameModel BASELINE", pandera, read["seconds"]))
    print(row("bare checks, one query BASELINE", bare, read["seconds"]))
    print(row("evtk validate of the imported file", val, read["seconds"], pandera["seconds"]))
    print(
        f"  {'  validate / bare checks':<34} {val['seconds'] / bare['seconds']:8.2f}x  "
        "(target at most 1.5x, goal 1.25x)"
    )
    results["import"] = info
    results["imported"] = {"read": read, "pandera": pandera, "bare": bare, "validate": val}


def coder_loop(results: dict[str, object]) -> None:
    print("\n== coder's loop: `evtk validate` on one article's YAML file (wall time from the shell)")
    files = sorted((ROOT / "data" / "coded").glob("*.yaml"))
    if not files:
        print("  no YAML file in data/coded")
        return
    evtk = str(Path(sys.executable).with_name("evtk"))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(
            [evtk, "validate", str(files[0]), "--quiet"], cwd=ROOT, capture_output=True, check=False
        )
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import pandera.polars"], capture_output=True, check=False)
    pandera_import = time.perf_counter() - t0
    print(
        f"  median of 5: {statistics.median(times):.2f} s (min {min(times):.2f}); "
        f"for comparison `import pandera.polars` alone: {pandera_import:.2f} s"
    )
    results["coder_loop"] = {
        "median": statistics.median(times),
        "min": min(times),
        "pandera_import": pandera_import,
    }


def coder_speed(n: int, results: dict[str, object]) -> None:
    print(f"\n== rule coder (`evtk code`) on {n:,} generated newswire sentences (target at least 2,000/s)")
    floor = measure(["tokenize", str(n)])
    coded = measure(["code", str(n)])
    for label, info in (("spaCy tokenizer pass FLOOR", floor), ("evtk coder", coded)):
        print(
            f"  {label:<34} {info['pass_seconds']:8.2f} s  {info['per_second']:10,.0f} sentences/s wall, "
            f"{info['per_cpu_second']:10,.0f} per CPU second"
        )
    print(
        f"  {'  coder / floor (CPU)':<34} {coded['cpu_seconds'] / floor['cpu_seconds']:8.2f}x  "
        f"{coded['events']:,} events, set-up {coded['setup_seconds']:.2f} s, peak {coded['peak_mib']:.0f} MiB"
    )
    results["coder"] = {"tokenize": floor, "code": coded}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated event counts")
    parser.add_argument(
        "--huge", type=int, default=0, help="also check a partitioned release of this many events"
    )
    parser.add_argument(
        "--huge-build", type=int, default=0, help="also build a release of this many events (peak memory)"
    )
    parser.add_argument(
        "--spark-rows", type=int, default=0, help="also check a release of this many events (polars vs Spark)"
    )
    parser.add_argument("--spark-master", default="local[2]", help="Spark master for --spark-rows")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench-data")
    parser.add_argument("--coder-sentences", type=int, default=20_000, help="sentences for the coder benchmark")
    parser.add_argument(
        "--import-rows", type=int, default=5_000_000, help="GDELT rows for the import-then-validate benchmark"
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    import polars as pl

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"polars {pl.__version__}"
    )
    results: dict[str, object] = {}
    coder_loop(results)
    if args.coder_sentences:
        coder_speed(args.coder_sentences, results)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    for n in sizes:
        bench_size(args.workdir, n, results)
    if len(sizes) > 1:
        small, large = results[str(min(sizes))], results[str(max(sizes))]
        print(
            f"\n== memory growth, peak at {max(sizes):,} / peak at {min(sizes):,} events (target at most 1.3x)"
        )
        for task in ("validate", "build", "check"):
            a, b = small[task]["peak_mib"], large[task]["peak_mib"]  # type: ignore[index]
            print(f"  {task:<10} {a:8.0f} MiB -> {b:8.0f} MiB  {b / a:6.2f}x")
    if args.import_rows:
        import_then_validate(args.workdir, args.import_rows, results)
    if args.huge:
        from benchmarks.huge import generate_release

        print(f"\n== release check of a {args.huge:,}-event partitioned release")
        rel = generate_release(args.huge, args.workdir / f"huge-{args.huge}")
        check = measure(["check", str(rel)])
        print(row("evtk release check", check))
        print(
            f"  peak memory {check['peak_mib'] / 1024:.2f} GiB (target: under 6 GiB), errors: {check['errors']}"
        )
        results["huge_check"] = check
    if args.huge_build:
        n = args.huge_build
        print(f"\n== release build of {n:,} events", flush=True)
        data = ensure_data(args.workdir, n, 0.0)
        out = args.workdir / f"releases-{n}"
        shutil.rmtree(out, ignore_errors=True)
        build = measure(["build", str(data), str(out), "1.0.0"])
        print(row("evtk release build", build))
        print(f"  peak memory {build['peak_mib'] / 1024:.2f} GiB (target: under 6 GiB)")
        results["huge_build"] = build
    if args.spark_rows:
        spark_check(args.workdir, args.spark_rows, args.spark_master, results)
    (args.workdir / "results.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
