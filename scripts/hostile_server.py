#!/usr/bin/env python3
"""Loopback HTTP server answering every hostile route of BAD-INPUTS (N1-N5, N7, N13, N15-N20, X1-X5).

Used by scripts/hostile-run.sh; a path's first segment picks the behaviour, the rest is ignored, so
/huge/17 and /huge/18 are two sources with the same behaviour. /ok/<n> is a healthy 20-item feed.

usage: hostile_server.py --port PORT
"""
import argparse
import gzip
import socketserver
import threading
import time

FEED_ITEMS = "".join(
    f"<item><guid>{{path}}-{i}</guid><title>Item {i} of {{path}}</title><link>https://h.example{{path}}/{i}</link>"
    f"<description>Text {i}</description></item>" for i in range(20))
FEED = "<?xml version='1.0'?><rss version='2.0'><channel><title>{path}</title>" + FEED_ITEMS + "</channel></rss>"
BOMB = gzip.compress(b"\0" * 200_000_000, 9)  # 200 MB of zeros, about 200 KB compressed
LAUGHS = ("<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'lollollollollollollollollollol'>"
          + "".join(f"<!ENTITY {chr(98 + i)} '{('&' + chr(97 + i) + ';') * 10}'>" for i in range(8))
          + "]><rss version='2.0'><channel><title>&i;</title></channel></rss>")
DEEP = "<rss version='2.0'><channel>" + "<x>" * 100_000 + "</channel></rss>"


class Handler(socketserver.StreamRequestHandler):
    def send(self, status, headers=(), body=b""):
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        self.wfile.write((head + "Connection: close\r\n\r\n").encode() + body)

    def stream(self, chunks, terminate):
        """A chunked 200 of `chunks` x 64 KiB; `terminate` sends the final zero-length chunk."""
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        for _ in range(chunks):
            self.wfile.write(chunk)
        if terminate:
            self.wfile.write(b"0\r\n\r\n")

    def handle(self):
        line = self.rfile.readline(65536).decode("latin-1")
        while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
            pass
        path = line.split(" ")[1] if " " in line else "/"
        kind = path.strip("/").split("/")[0]
        rss = ("Content-Type", "application/rss+xml")
        try:
            if kind == "ok":
                body = FEED.replace("{path}", path).encode()
                self.send("200 OK", [rss, ("Content-Length", len(body))], body)
            elif kind == "huge":  # N1: endless chunked body (131 MB, never terminated)
                self.stream(2000, terminate=False)
            elif kind == "endless":  # issue 4's measure: a 1 GiB chunked body
                self.stream(16384, terminate=True)
            elif kind == "declared":  # N2
                self.send("200 OK", [rss, ("Content-Length", 500_000_000)])
                time.sleep(5)
            elif kind == "bomb":  # N3
                self.send("200 OK", [rss, ("Content-Encoding", "gzip"), ("Content-Length", len(BOMB))], BOMB)
            elif kind == "drip":  # N4
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                for _ in range(120):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(1)
            elif kind == "loop":  # N7
                self.send("302 Found", [("Location", path + "x"), ("Content-Length", 0)])
            elif kind == "truncated":  # N13
                self.send("200 OK", [rss, ("Content-Length", 100_000)], b"<rss version='2.0'><channel>")
            elif kind == "gone":  # N15
                self.send("410 Gone", [("Content-Length", 0)])
            elif kind == "busy":  # N16
                self.send("429 Too Many Requests", [("Retry-After", 120), ("Content-Length", 0)])
            elif kind == "error":  # N17
                self.send("500 Internal Server Error", [("Content-Length", 0)])
            elif kind == "empty":  # N18
                self.send("200 OK", [rss, ("Content-Length", 0)])
            elif kind == "html":  # N19
                body = b"<!DOCTYPE html><html><head><link rel=alternate type=application/rss+xml href=/ok/1></head></html>"
                self.send("200 OK", [("Content-Type", "text/html"), ("Content-Length", len(body))], body)
            elif kind == "binary":  # N20
                body = bytes(range(256)) * 400
                self.send("200 OK", [rss, ("Content-Length", len(body))], body)
            elif kind == "laughs":  # X2
                body = LAUGHS.encode()
                self.send("200 OK", [rss, ("Content-Length", len(body))], body)
            elif kind == "deep":  # X4
                body = DEEP.encode()
                self.send("200 OK", [rss, ("Content-Length", len(body))], body)
            else:
                self.send("404 Not Found", [("Content-Length", 0)])
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18091)
    arguments = parser.parse_args()
    with Server(("127.0.0.1", arguments.port), Handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print(f"listening on 127.0.0.1:{arguments.port}", flush=True)
        threading.Event().wait()
