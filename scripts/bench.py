#!/usr/bin/env python3
"""Benchmark accord against Hugo on synthetic archives, side by side.

    python3 scripts/bench.py [--sizes 1000,10000,50000] [--runs 5] [--work DIR]
                             [--no-hugo] [--hugo-sizes 1000,50000] [--no-warmup]
                             [--callgrind] [--incremental] [--editions]
                             [--archive DIR] [--accord BINARY]

Archives come from ../shared/bench/gen_archive.py (accord and hugo flavors of the
same records). For each size, accord and Hugo build alternately: one warm-up each,
then --runs clean builds each (output removed before every run). Every run is timed
from outside with /usr/bin/time -v: wall time, CPU time (user + sys) and peak memory.
Reports medians, pages written, output size, and the accord/Hugo ratios.

--editions also builds each accord archive as a site of four editions (`languages: [ko,
ja, zh, en]` in place of `language: ko`): the same records, every page in four languages.
Each variant is built once more with `--timings`, whose steps and counts (files parsed,
Markdown bodies rendered) show that the records are parsed once for all the editions.

--archive DIR builds that accord archive (an archive already generated, e.g. of 10,000
records) instead of generating one per size: it is copied into --work first, as builds
write into it. Hugo is then not run (there is no Hugo flavour of it to build).

Sizes go up to 1,000,000 (the generator is deterministic: the same records every
time). --hugo-sizes builds Hugo only at those sizes (Hugo at 1,000,000 records does not
fit in memory); --no-warmup leaves out the warm-up round (a build of a million records
is its own warm-up). --accord runs that binary instead of building target/release.
After the table, a second one gives each size per record: wall and CPU time and peak
memory divided by the records, and the growth from the size before (the difference
of two sizes divided by the difference of their records), which shows whether the
growth is linear.

--incremental also times a one-record edit on each accord archive (the median of
--runs edits, each a different record), and --callgrind counts the instructions of a
clean 1,000-record build with valgrind (stable on a noisy machine).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN = REPO.parent / "shared" / "bench" / "gen_archive.py"
ACCORD = REPO / "target" / "release" / "accord"


def timed(cmd, cwd=None):
    """Runs cmd under /usr/bin/time -v; returns (wall s, cpu s, peak MiB)."""
    out = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{out.stderr[-3000:]}")
    err = out.stderr
    def field(name):
        return re.search(rf"{re.escape(name)}: (.+)", err).group(1).strip()
    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    peak = int(field("Maximum resident set size (kbytes)")) / 1024
    return seconds, cpu, peak


def tree_stats(path):
    """HTML pages, all files and their bytes under path."""
    pages = count = size = 0
    for root, _, files in os.walk(path):
        for f in files:
            size += os.path.getsize(os.path.join(root, f))
            pages += f.endswith(".html")
            count += 1
    return pages, count, size


def clean_accord(site):
    """As a clean build finds the archive: no output, no manifest, no build cache."""
    for p in [site / "output", site / ".output.accord-manifest", site / ".output.accord-old",
              site / ".output.accord-staging", site / ".accord-cache"]:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def generate(work, n, flavor):
    out = work / f"{flavor}{n}"
    if not out.exists():
        subprocess.run([sys.executable, str(GEN), "--docs", str(n), "--out", str(out), "--flavor", flavor],
                       check=True, stdout=subprocess.DEVNULL)
    return out


def archive_copy(work, archive):
    """A copy of an existing accord archive in the work folder, and its number of records."""
    out = work / ("given-" + archive.name)
    if not out.exists():
        for part in ["content", "data"]:
            shutil.copytree(archive / part, out / part)
        shutil.copy(archive / "accord.yaml", out / "accord.yaml")
    n = sum(1 for _ in (out / "content").rglob("*.md"))
    return out, n


def step_timings(cmd):
    """The lines `accord build --timings` prints: each step, and the counts."""
    out = subprocess.run([*cmd, "--timings"], capture_output=True, text=True)
    return [l.strip() for l in out.stderr.splitlines() if " ms  " in l or "parsed" in l]


def editions_copy(site):
    """A copy of an accord archive with four editions instead of one."""
    out = site.with_name(site.name + "-editions")
    if not out.exists():
        shutil.copytree(site / "content", out / "content")
        shutil.copytree(site / "data", out / "data")
        config = (site / "accord.yaml").read_text(encoding="utf-8")
        config = config.replace("language: ko", "languages: [ko, ja, zh, en]")
        (out / "accord.yaml").write_text(config, encoding="utf-8")
    return out


def print_per_record(rows):
    """Each tool's time and memory per record, and their growth from the size before."""
    print()
    print("| records | tool | wall ms/record | CPU ms/record | peak KB/record | growth: CPU ms, peak KB per added record |")
    print("|---:|---|---:|---:|---:|---|")
    before = {}
    for n, tool, wall, cpu, peak, *_ in sorted(rows, key=lambda r: (r[1], r[0])):
        growth = "–"
        if tool in before:
            m, c, p = before[tool]
            growth = f"{(cpu - c) * 1000 / (n - m):.3f} ms, {(peak - p) * 1024 / (n - m):.1f} KB (from {m:,})"
        print(f"| {n:,} | {tool} | {wall * 1000 / n:.3f} | {cpu * 1000 / n:.3f} | {peak * 1024 / n:.1f} | {growth} |")
        before[tool] = (n, cpu, peak)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--work", default="/tmp/accord-bench")
    ap.add_argument("--no-hugo", action="store_true")
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--incremental", action="store_true")
    ap.add_argument("--editions", action="store_true")
    ap.add_argument("--archive", help="an accord archive to build instead of generated ones")
    ap.add_argument("--accord", help="the accord binary to run (default: target/release, built first)")
    ap.add_argument("--hugo-sizes", help="build Hugo only at these sizes")
    ap.add_argument("--no-warmup", action="store_true", help="no warm-up round")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    global ACCORD
    if args.accord:
        ACCORD = Path(args.accord).resolve()
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    hugo_sizes = {int(s) for s in args.hugo_sizes.split(",")} if args.hugo_sizes else None
    hugo = None if args.no_hugo or args.archive else shutil.which("hugo")
    if not args.no_hugo and not args.archive and not hugo:
        sys.exit("hugo not found: apt-get install hugo (or pass --no-hugo)")

    rows = []
    timings = []
    given = archive_copy(work, Path(args.archive).resolve()) if args.archive else None
    sizes = [given[1]] if given else [int(s) for s in args.sizes.split(",")]
    for n in sizes:
        a_site = given[0] if given else generate(work, n, "accord")
        with_hugo = hugo and (hugo_sizes is None or n in hugo_sizes)
        h_site = generate(work, n, "hugo") if with_hugo else None
        accord_cmd = [str(ACCORD), "build", "--root", str(a_site)]
        hugo_cmd = [hugo, "--source", str(h_site), "--quiet"] if with_hugo else None
        results = {"accord": [], "hugo": []}
        first = 1 if args.no_warmup else 0
        for i in range(first, args.runs + 1):  # round 0 is the warm-up
            clean_accord(a_site)
            r = timed(accord_cmd)
            if i:
                results["accord"].append(r)
            if with_hugo:
                shutil.rmtree(h_site / "public", ignore_errors=True)
                r = timed(hugo_cmd)
                if i:
                    results["hugo"].append(r)
        for tool, runs in results.items():
            if not runs:
                continue
            stats = tree_stats(a_site / "output" if tool == "accord" else h_site / "public")
            rows.append((n, tool, statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                         statistics.median(r[2] for r in runs), *stats))
        if args.editions:
            clean_accord(a_site)
            timings.append((n, "one edition", step_timings(accord_cmd)))
            e_site = editions_copy(a_site)
            e_cmd = [str(ACCORD), "build", "--root", str(e_site)]
            runs = []
            for i in range(args.runs + 1):
                clean_accord(e_site)
                r = timed(e_cmd)
                if i:
                    runs.append(r)
            stats = tree_stats(e_site / "output")
            clean_accord(e_site)
            timings.append((n, "four editions", step_timings(e_cmd)))
            rows.append((n, "accord, 4 editions", statistics.median(r[0] for r in runs),
                         statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs),
                         *stats))
        if args.incremental:
            records = sorted((a_site / "content" / "trips").glob("*.md"))[: args.runs]
            times = []
            for rec in records:
                text = rec.read_text(encoding="utf-8")
                rec.write_text(text + "\n편집된 문단.\n", encoding="utf-8")
                times.append(timed(accord_cmd)[0])
                rec.write_text(text, encoding="utf-8")
                timed(accord_cmd)
            full = [r for r in rows if r[0] == n and r[1] == "accord"][0][2]
            print(f"incremental, one-record edit, {n} records: median {statistics.median(times):.3f} s "
                  f"= {statistics.median(times) / full:.1%} of a clean build ({full:.2f} s)")

    print()
    print("| records | tool | wall (s) | cpu (s) | peak (MiB) | HTML pages | files | output (MB) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, tool, wall, cpu, peak, pages, files, size in rows:
        print(f"| {n:,} | {tool} | {wall:.2f} | {cpu:.2f} | {peak:.0f} | {pages:,} | {files:,} | {size / 1e6:.0f} |")
    print_per_record(rows)
    for n, what, lines in timings:
        print(f"\naccord build --timings, {n:,} records, {what}:")
        for line in lines:
            print(f"    {line}")
    if hugo:
        print()
        print("| records | wall accord/Hugo | CPU accord/Hugo | peak memory accord/Hugo |")
        print("|---:|---:|---:|---:|")
        for n in sorted({r[0] for r in rows if r[1] == "hugo"}):
            a = [r for r in rows if r[0] == n and r[1] == "accord"][0]
            h = [r for r in rows if r[0] == n and r[1] == "hugo"][0]
            print(f"| {n:,} | {a[2] / h[2]:.2f} | {a[3] / h[3]:.2f} | {a[4] / h[4]:.2f} |")

    if args.callgrind:
        site = generate(work, 1000, "accord")
        clean_accord(site)
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                              str(ACCORD), "build", "--root", str(site)], capture_output=True, text=True)
        m = re.search(r"Collected : (\d+)", out.stderr)
        print(f"\ncallgrind, clean build of 1,000 records: {int(m.group(1)):,} instructions" if m else out.stderr[-2000:])


if __name__ == "__main__":
    main()
