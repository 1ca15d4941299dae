#!/usr/bin/env python3
"""How long `accord serve` takes from saving a record to reloading the page.

    python3 scripts/bench-serve.py --archive DIR [--edits 5] [--accord BINARY]
                                   [--port 1199] [--work DIR]

Copies the accord archive DIR (e.g. one of ../shared/bench/gen_archive.py, of 100,000
records) into --work, starts `accord serve` on it, and waits for the first build.
Then, --edits times, appends a paragraph to a record and measures the time from the
file's write to the first reload event the server sends its pages (the `build` event
of `/__accord/live`, which every open page listens to); the page is then fetched and
must hold the new paragraph. When that first reload comes from the quick re-render of
the record's pages (its tag ends in `.N`), the time to the reload of the full build
that follows is measured too. Last, it adds a new record and checks that its page, its
city's page, its year's page, its kind's list and the search index are updated.

Prints each edit's times, their medians, and the time of the addition. A benchmark,
not a test: the figure depends on the machine and its load.
"""

import argparse
import http.client
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ACCORD = REPO / "target" / "release" / "accord"


class Events:
    """The server's stream of build events."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"GET /__accord/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Accept: text/event-stream\r\n\r\n")
        self.buf = b""

    def next_tag(self, timeout):
        """The data of the next `build` event, or None after `timeout` seconds."""
        end = time.monotonic() + timeout
        while True:
            at = self.buf.find(b"event: build\ndata: ")
            if at >= 0:
                stop = self.buf.find(b"\n\n", at)
                if stop >= 0:
                    tag = self.buf[at + len(b"event: build\ndata: "):stop].decode()
                    self.buf = self.buf[stop + 2:]
                    return tag
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                return None
            self.buf += chunk


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def is_quick(tag):
    """Whether a build tag is a quick re-render's (`<instance>-<build>.<n>`), which
    the full build's reload follows."""
    return "." in tag.rsplit("-", 1)[-1]


def wait_built(events, first_tag, timeout):
    """Waits for a build event whose tag differs from `first_tag`."""
    while True:
        tag = events.next_tag(timeout)
        if tag is None:
            sys.exit("no build event: the server did not finish building")
        if tag != first_tag:
            return tag


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archive", required=True)
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--accord", default=str(ACCORD))
    ap.add_argument("--port", type=int, default=1199)
    ap.add_argument("--work", default="/tmp/accord-bench-serve")
    args = ap.parse_args()
    src = Path(args.archive).resolve()
    site = Path(args.work) / src.name
    if site.exists():
        shutil.rmtree(site)
    site.parent.mkdir(parents=True, exist_ok=True)
    for part in ["content", "data"]:
        shutil.copytree(src / part, site / part)
    shutil.copy(src / "accord.yaml", site / "accord.yaml")

    server = subprocess.Popen([args.accord, "serve", "--root", str(site), "--port", str(args.port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        for _ in range(600):
            try:
                events = Events(args.port)
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit("the server did not start")
        tag = events.next_tag(30)
        status, _ = get(args.port, "/")
        # Before the first build the server answers with a placeholder page.
        if status != 200 or tag is None or tag.endswith("-0"):
            tag = wait_built(events, tag, 3600)
        print(f"first build: {time.monotonic() - started:.1f} s")

        records = sorted((site / "content" / "trips").glob("*.md"))[: args.edits]
        times, fulls = [], []
        for i, rec in enumerate(records):
            text = rec.read_text(encoding="utf-8")
            marker = f"bench-serve-edit-{i}"
            rec.write_text(text + f"\n{marker}\n", encoding="utf-8")
            wrote = time.monotonic()
            tag = wait_built(events, tag, 3600)
            took = time.monotonic() - wrote
            status, body = get(args.port, f"/trips/{rec.stem}/")
            if status != 200 or marker.encode() not in body:
                sys.exit(f"the page of {rec.name} does not show the edit after the reload")
            times.append(took)
            line = f"edit {i + 1}: {took * 1000:.0f} ms from the write to the reload event"
            if is_quick(tag):
                tag = wait_built(events, tag, 3600)
                full = time.monotonic() - wrote
                fulls.append(full)
                line += f" (quick re-render); {full * 1000:.0f} ms to the full build's reload"
            print(line)
        print(f"median of {len(times)} edits: {statistics.median(times) * 1000:.0f} ms "
              "to the first reload")
        if fulls:
            print(f"median of {len(fulls)} edits: {statistics.median(fulls) * 1000:.0f} ms "
                  "to the full build's reload")

        _, manifest_before = get(args.port, "/search/manifest.bin")
        # The newest date of the archive: the new record then comes first on the first
        # page of its year, its city and its kind.
        newest = max(m.group(1) for f in (site / "content").rglob("*.md")
                     for m in [re.search(r"^date: (\d{4}-\d{2}-\d{2})", f.read_text(encoding="utf-8"), re.M)]
                     if m)
        year = newest[:4]
        new = site / "content" / "trips" / "bench-serve-new.md"
        new.write_text(f"---\ntitle: bench serve new record\ndate: {newest}\ncities: [전주]\n"
                       "lang: ko\n---\nA record added while serving.\n", encoding="utf-8")
        wrote = time.monotonic()
        tag = wait_built(events, tag, 3600)
        if is_quick(tag):
            sys.exit("a new record was re-rendered on the quick path: only a build adds one")
        took = time.monotonic() - wrote
        checks = {
            "its page": ("/trips/bench-serve-new/", True),
            "its city's page": ("/cities/jeonju/", True),
            "its year's page": (f"/years/{year}/", True),
            "its kind's list": ("/trips/", True),
        }
        for what, (path, _) in checks.items():
            status, body = get(args.port, path)
            if status != 200 or b"bench serve new record" not in body:
                sys.exit(f"after adding a record, {what} ({path}) does not show it")
        _, manifest_after = get(args.port, "/search/manifest.bin")
        if manifest_after == manifest_before:
            sys.exit("after adding a record, the search index did not change")
        print(f"adding a record: {took * 1000:.0f} ms to the reload event; its page, city, "
              f"year, kind list and the search index updated")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main()
