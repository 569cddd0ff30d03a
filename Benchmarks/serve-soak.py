#!/usr/bin/env python3
"""Soak and slow-client check for `tributary serve` (issue 7 measures). Loopback only.

Phase 1: 64 keep-alive clients read /news.xml for SECONDS while the scheduler regenerates the feed
every few seconds (the source files change every 2 s). Every 200 body must parse as XML, and every
body seen with one ETag must be byte-identical (a torn or mixed response would break that).
Phase 2: 500 connections drip a request one byte per second; a normal client's request is timed.

    Benchmarks/serve-soak.py [SECONDS]      (release build of tributary)
"""
import hashlib, http.client, os, socket, subprocess, sys, tempfile, threading, time
import xml.etree.ElementTree as ET

seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 60
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.join(root, ".build/release/tributary")
work = tempfile.mkdtemp()
port = 18091
stop = threading.Event()

def write_sources(round_):
    # A sliding window of 20 items, 3 new per round: a normal news feed (not a flood the store holds back).
    for s in range(5):
        items = "".join(
            f"<item><title>Source {s} story {n}</title><link>https://s{s}.example/{n}</link>"
            f"<guid>s{s}-{n}</guid><description>Story {n} " + "text " * 40 + "</description></item>"
            for n in range(round_ * 3 + 19, round_ * 3 - 1, -1))
        tmp = os.path.join(work, f"s{s}.xml.tmp")
        with open(tmp, "w") as f:
            f.write(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Source {s}</title>'
                    f"<link>https://s{s}.example/</link><description>d</description>{items}</channel></rss>")
        os.replace(tmp, os.path.join(work, f"s{s}.xml"))

write_sources(0)
with open(os.path.join(work, "feeds.yaml"), "w") as f:
    f.write(f"""settings: {{store: store.sqlite, output: out, listen: "127.0.0.1:{port}", fetch: {{interval: 1s}}}}
categories:
  - {{id: news, title: News, limit: 200}}
sources:
""" + "".join(f"  - {{url: s{s}.xml, categories: [news]}}\n" for s in range(5)))
server = subprocess.Popen([binary, "serve", "--config", os.path.join(work, "feeds.yaml"), "--tick", "2"],
                          stderr=subprocess.DEVNULL, cwd=work)
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        break
    except OSError:
        time.sleep(0.1)
time.sleep(1)

def changer():
    round_ = 1
    while not stop.wait(2):
        write_sources(round_)
        round_ += 1

lock = threading.Lock()
seen = {}
stats = {"requests": 0, "ok": 0, "not_modified": 0, "errors": 0, "torn": 0, "bad_xml": 0}

def client():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    etag = None
    while not stop.is_set():
        try:
            headers = {"If-None-Match": etag} if etag and stats["requests"] % 3 == 0 else {}
            conn.request("GET", "/news.xml", headers=headers)
            response = conn.getresponse()
            body = response.read()
            with lock:
                stats["requests"] += 1
            if response.status == 304:
                with lock:
                    stats["not_modified"] += 1
                continue
            if response.status != 200:
                raise RuntimeError(f"status {response.status}")
            etag = response.getheader("ETag")
            digest = hashlib.md5(body).hexdigest()
            try:
                ET.fromstring(body)
            except ET.ParseError:
                with lock:
                    stats["bad_xml"] += 1
            with lock:
                stats["ok"] += 1
                if seen.setdefault(etag, digest) != digest:
                    stats["torn"] += 1
        except Exception:
            with lock:
                stats["errors"] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

threads = [threading.Thread(target=client) for _ in range(64)] + [threading.Thread(target=changer)]
for t in threads:
    t.start()
time.sleep(seconds)
stop.set()
for t in threads:
    t.join()
print(f"soak {seconds}s, 64 connections: {stats['requests']} requests, {stats['ok']} x 200, "
      f"{stats['not_modified']} x 304, {len(seen)} distinct documents, errors {stats['errors']}, "
      f"torn {stats['torn']}, unparseable {stats['bad_xml']}")

# Phase 2: 500 slow-drip clients, then one normal request.
drippers = []
for _ in range(500):
    s = socket.create_connection(("127.0.0.1", port))
    s.send(b"GET /news.xml HT")
    drippers.append(s)
start = time.monotonic()
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
conn.request("GET", "/news.xml")
status = conn.getresponse().status
elapsed = time.monotonic() - start
print(f"with 500 slow-drip connections open: normal request -> {status} in {elapsed * 1000:.0f} ms")
for s in drippers:
    s.close()
server.terminate()
server.wait(10)
print(f"server exit status after SIGTERM: {server.returncode}")
