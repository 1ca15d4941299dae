#!/usr/bin/env python3
"""Search benchmark: index build time and size, and the bytes a browser downloads for
a first query, on archives made by ../shared/bench/gen_archive.py.

    cargo build --release --bin accord --example search_bench
    python3 scripts/search-bench.py /tmp/a1k /tmp/a10k

For each archive:
  1. `search_bench ARCHIVE RUNS` builds the index RUNS times and reports the median
     build time (wall clock and CPU time), the number and total size of the files;
  2. `accord build` builds the site into a temporary directory;
  3. the site is served on 127.0.0.1 under its base path by a logging server, and
     headless Chromium opens /search/?q=QUERY once per query with a fresh profile (an
     empty cache), so every file of a first query is counted. The page must finish the
     search (data-state="done").

With --quality, it also draws about 70 queries in 11 classes from each archive's
source records, computes their true answers from those records, and prints per class
recall, precision, P@10, "title match first" and first-query bytes (the index files
the reader reads, the first ten record files, and search.js as a site serves it,
minified: `search_bench SCRIPT --minify`, with the parts of the engine the query
loads, search-words.js and search-hangul.js), from the answers of
`search_bench ROOT --queries` (see scripts/search_quality.py); --quality-only skips the
build timing and the browser.

With --cards, it runs those queries in the browser instead (first visits) and prints
per class the result cards that show a highlighted match (<mark> in the title or the
snippet) and the first-query bytes with the record passages the page fetched.

Bytes are counted as sent by a server that does not compress (the index shards and
manifest are binary and are not compressed by most static hosts), and, for reference,
as gzip would send each file. "index" is every file under search/ except the page;
"all" adds the page, style.css and search.js.
"""

import argparse
import gzip
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUERIES = [
    ("대기", "", "Korean, 2 characters (1 bigram)"),
    ("재활용", "", "Korean, 3 characters (2 bigrams)"),
    ("미세먼지", "", "Korean, 4 characters (3 bigrams)"),
    ("大気", "", "Japanese, 2 characters (1 bigram)"),
    ("大気汚染", "", "Japanese, 4 characters (3 bigrams)"),
    ("リサイクル", "", "Japanese, 5 characters (4 bigrams)"),
    ("cooperation", "", "English word"),
    ("대기", "&city=seoul", "Korean, 2 characters, with a city filter"),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("Chromium is needed (apt-get install chromium)")


def byte_range(header, length):
    """(start, end) of a single `Range: bytes=a-b` (`a-`, `-n`) of LENGTH bytes, end
    excluded; None for anything else (the whole file is sent)."""
    m = re.fullmatch(r"bytes=(\d*)-(\d*)", (header or "").strip())
    if not m or m.group(1) == m.group(2) == "":
        return None
    if m.group(1) == "":
        return max(length - int(m.group(2)), 0), length
    start = int(m.group(1))
    end = min(int(m.group(2)) + 1, length) if m.group(2) else length
    return (start, end) if start < end else None


class Server:
    """Serves SITE under BASE (e.g. "/" or "/archive/"), logging what it sends; a
    single byte range is answered with 206 and that part, as static hosts do."""

    def __init__(self, site, base):
        self.site, self.base, self.sent = Path(site), base, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
                body, status = None, 404
                if path.startswith(outer.base):
                    rel = path[len(outer.base):]
                    if ".." not in rel.split("/"):
                        f = outer.site / rel
                        if rel == "" or rel.endswith("/"):
                            f = f / "index.html"
                        if f.is_file():
                            body, status = f.read_bytes(), 200
                body = body if body is not None else b"not found"
                part = byte_range(self.headers.get("Range"), len(body)) if status == 200 else None
                extra = []
                if part:
                    extra.append(("Content-Range", f"bytes {part[0]}-{part[1] - 1}/{len(body)}"))
                    body, status = body[part[0]:part[1]], 206
                outer.sent.append((path, status, body))
                self.send_response(status)
                for k, v in extra:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def first_query(browser, server, query, extra):
    server.sent.clear()
    url = f"http://127.0.0.1:{server.port}{server.base}search/?q={urllib.parse.quote(query)}{extra}"
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--no-first-run", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=20000",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=300).stdout
    tag = re.search(r'<div id="search-results"[^>]*>', dom)
    state = re.search(r'data-state="(\w+)"', tag.group(0)).group(1) if tag else "missing"
    count = re.search(r'data-count="(\d+)"', tag.group(0)) if tag else None
    if state != "done":
        sys.exit(f"{url}: the search did not finish (state {state})")
    # The result cards, and those that show a match in a <mark> (title or snippet).
    hits = re.search(r'<ol class="cards search-hits">(.*?)</ol>', dom, re.S)
    cards = hits.group(1).split('<li class="card ')[1:] if hits else []
    files = [(p, s, b) for p, s, b in server.sent if s in (200, 206)]
    # The passages read: a record's item in its pack (the 8 bytes of its offsets,
    # read first, are counted in the index bytes only).
    passages = [b for p, s, b in files if "/search/p/" in p and not (s == 206 and len(b) == 8)]
    index = [(p, b) for p, s, b in files if "/search/" in p and not p.endswith("/search/")]
    every = [(p, b) for p, s, b in files]
    gz = lambda items: sum(len(gzip.compress(b, 6)) for _, b in items)
    return {
        "query": query + extra,
        "results": int(count.group(1)) if count else 0,
        "requests": len(files),
        "index_files": len(index),
        "index_bytes": sum(len(b) for _, b in index),
        "index_gzip": gz(index),
        "all_bytes": sum(len(b) for _, b in every),
        "all_gzip": gz(every),
        "files": [p for p, _ in every],
        "cards": len(cards),
        "cards_marked": sum("<mark>" in c for c in cards),
        "passage_files": len(passages),
        "passage_bytes": sum(len(b) for b in passages),
        "js_bytes": sum(len(b) for p, b in every if p.endswith(".js")),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("archives", nargs="*", type=Path)
    ap.add_argument("--accord", default=REPO / "target/release/accord", type=Path)
    ap.add_argument("--bench", default=REPO / "target/release/examples/search_bench", type=Path)
    ap.add_argument("--runs", default=5, type=int)
    ap.add_argument("--json", type=Path, help="also save the figures as JSON in this file")
    ap.add_argument("--from-json", type=Path, help="only print the figures saved in this file")
    ap.add_argument("--quality", action="store_true", help="also measure the answers' quality")
    ap.add_argument("--quality-only", action="store_true", help="only measure the answers' quality")
    ap.add_argument("--cards", action="store_true",
                    help="only run the quality queries in the browser: cards with a highlighted "
                         "match, and first-query bytes with the passages")
    args = ap.parse_args()
    if args.quality_only:
        quality(args)
        return
    if args.cards:
        cards(args)
        return
    if args.from_json:
        markdown(json.loads(args.from_json.read_text(encoding="utf-8")))
        return
    if not args.archives:
        ap.error("give at least one archive")
    for exe in (args.accord, args.bench):
        if not exe.is_file():
            sys.exit(f"{exe} is missing: cargo build --release --bin accord --example search_bench")
    browser = chromium()
    report = []
    for archive in args.archives:
        log(f"{archive}: building the index {args.runs} times")
        build = json.loads(subprocess.run([args.bench, archive, str(args.runs)], check=True,
                                          capture_output=True, text=True).stdout)
        config = (archive / "accord.yaml").read_text(encoding="utf-8")
        url = re.search(r"^base_url:\s*(\S+)", config, re.M)
        base = urllib.parse.urlsplit(url.group(1) if url else "http://localhost/").path or "/"
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "site"
            log(f"{archive}: accord build")
            start = time.monotonic()
            subprocess.run([args.accord, "build", "--root", archive, "--output", site],
                           check=True, capture_output=True)
            site_seconds = time.monotonic() - start
            server = Server(site, base if base.endswith("/") else base + "/")
            queries = []
            for q, extra, what in QUERIES:
                log(f"{archive}: first query {q}{extra}")
                r = first_query(browser, server, q, extra)
                r["what"] = what
                queries.append(r)
            server.httpd.shutdown()
        build["runs"] = args.runs
        report.append({"archive": str(archive), "index": build,
                       "site_build_seconds": round(site_seconds, 2), "queries": queries})
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    markdown(report)
    if args.quality:
        quality(args)


def quality(args):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import search_quality

    # The engine's scripts as a site serves them (minified: see src/minify.rs):
    # search.js, read by every query, and the parts a query may load (search-NAME.js).
    static = REPO / "themes/default/static"
    engine = {}
    for path in [static / "search.js"] + sorted(static.glob("search-*.js")):
        if path.name == "search-ui.js":
            continue
        engine[path.name] = len(subprocess.run([str(args.bench), str(path), "--minify"],
                                               check=True, capture_output=True).stdout)
    for archive in args.archives:
        log(f"{archive}: quality")
        rows = search_quality.evaluate(archive, args.bench, engine)
        print(f"\n### Quality, {archive}\n")
        search_quality.markdown(rows)
        if args.json:
            path = args.json.with_suffix(f".quality-{archive.name}.json")
            path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


def cards(args):
    """The quality queries as first visits in the browser: per class, the cards (the
    first ten results) with a highlighted match, and the bytes the page fetched under
    search/ (record passages included) plus its scripts."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import search_quality

    browser = chromium()
    for archive in args.archives:
        records, names, _ = search_quality.load(archive)
        qs = search_quality.queries(records, names)
        config = (archive / "accord.yaml").read_text(encoding="utf-8")
        url = re.search(r"^base_url:\s*(\S+)", config, re.M)
        base = urllib.parse.urlsplit(url.group(1) if url else "http://localhost/").path or "/"
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "site"
            log(f"{archive}: accord build")
            subprocess.run([args.accord, "build", "--root", archive, "--output", site],
                           check=True, capture_output=True)
            server = Server(site, base if base.endswith("/") else base + "/")
            for q in qs:
                log(f"{archive}: cards {q['q']}")
                r = first_query(browser, server, q["q"], "")
                rows.append({**q, **r, "bytes": r["index_bytes"] + r["js_bytes"]})
            server.httpd.shutdown()
        if args.json:
            path = args.json.with_suffix(f".cards-{archive.name}.json")
            path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        kb = lambda n: f"{n / 1024:.1f}"
        med = lambda v: sorted(v)[len(v) // 2] if v else 0
        print(f"\n### Cards, {archive}\n")
        print("| class | queries | cards with a mark | passage files (median / max) | "
              "first query KB with passages (median / max) |")
        print("|---|---:|---:|---:|---:|")
        classes = list(dict.fromkeys(r["class"] for r in rows)) + ["all"]
        for c in classes:
            rs = [r for r in rows if c in ("all", r["class"])]
            n, m = sum(r["cards"] for r in rs), sum(r["cards_marked"] for r in rs)
            pf = [r["passage_files"] for r in rs]
            by = [r["bytes"] for r in rs]
            share = f"{m} of {n} ({100 * m / n:.1f}%)" if n else "–"
            print(f"| {c} | {len(rs)} | {share} | {med(pf)} / {max(pf)} | "
                  f"{kb(med(by))} / {kb(max(by))} |")


def markdown(report):
    kb = lambda n: f"{n / 1024:.1f}"
    for r in report:
        b = r["index"]
        print(f"\n### {b['records']:,} records ({r['archive']})\n")
        print(f"- index build: {b['build_seconds_median']:.2f} s wall (median of {b['runs']}), "
              f"{b['cpu_seconds_median']:.2f} s CPU, {b['threads']} threads; "
              f"{b['build_seconds_median'] / b['records'] * 1000:.3f} s per 1,000 records")
        print(f"- index size: {b['bytes_total'] / 1e6:.1f} MB in {b['files']:,} files — "
              f"{b['shards']:,} shards ({b['shard_bytes_total'] / 1e6:.1f} MB, largest "
              f"{kb(b['shard_bytes_max'])} KB), manifest {kb(b['manifest_bytes'])} KB, "
              f"cities {kb(b['cities_bytes'])} KB, record files {b['record_files_bytes'] / 1e6:.1f} MB")
        print(f"- whole site build (`accord build`, for scale): {r['site_build_seconds']} s\n")
        print("| first query | results | index files | index KB | index KB gzip | all KB (page, CSS, JS) | all KB gzip | cards with a mark |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for q in r["queries"]:
            print(f"| `{q['query']}` — {q['what']} | {q['results']:,} | {q['index_files']} | "
                  f"{kb(q['index_bytes'])} | {kb(q['index_gzip'])} | {kb(q['all_bytes'])} | "
                  f"{kb(q['all_gzip'])} | {q.get('cards_marked', 0)} of {q.get('cards', 0)} |")


if __name__ == "__main__":
    main()
