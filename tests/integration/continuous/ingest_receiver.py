#!/usr/bin/env python3
"""A loopback stand-in for a Pyroscope server's ingest API, for cspy's upload tests.

It checks every request against the documented API
(https://grafana.com/docs/pyroscope/latest/configure-server/about-server-api/, "Ingestion"):
POST /ingest with the query parameters name (required, APP{k=v,...}), from and until
(required, UNIX seconds, from < until), sampleRate (Hz), spyName and format (pprof or
folded); a pprof comes as multipart/form-data in the file field `profile` (gzip data), folded
text as the body. Each request is logged as one JSON line in DIR/requests.jsonl; each body is
saved (DIR/NNNN.pb.gz or DIR/NNNN.folded); a request that breaks the API is answered 400 and
logged in DIR/violations.txt. Prints "listening PORT" once it accepts connections.

Standard library only, so that it runs with any python3 (3.6 on): no cgi module (gone in 3.13).
Usage: ingest_receiver.py --dir DIR [--port PORT]
"""
import argparse
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

NAME = re.compile(r"^([^{}]+)\{([^{}]*)\}$")
TAG = re.compile(r"^[A-Za-z0-9_.]+=[^{},= ]+$")
LOCK = threading.Lock()


def multipart_field(body, content_type, field):
    """The content of form field `field` in a multipart/form-data body (None: not there)."""
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        return None
    boundary = b"--" + m.group(1).encode()
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        disposition = re.search(rb'name="([^"]*)"', head)
        if disposition and disposition.group(1).decode() == field:
            return content[:-2] if content.endswith(b"\r\n") else content
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the test reads the files
        pass

    def answer(self, code, text):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.violation("GET {}: ingest is POST".format(self.path))

    def violation(self, why):
        with LOCK:
            with open(os.path.join(self.server.dir, "violations.txt"), "a") as f:
                f.write(why + "\n")
        self.answer(400, why)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length > 0 else b""
        url = urlsplit(self.path)
        if url.path != "/ingest":
            return self.violation("path {} is not /ingest".format(url.path))
        query = parse_qs(url.query, keep_blank_values=True)
        params = {k: v[0] for k, v in query.items()}
        if any(len(v) != 1 for v in query.values()):
            return self.violation("a parameter given twice: {}".format(url.query))
        for required in ("name", "from", "until"):
            if required not in params:
                return self.violation("no {} parameter".format(required))
        m = NAME.match(params["name"])
        if not m:
            return self.violation("name {!r} is not APP{{k=v,...}}".format(params["name"]))
        tags = [t for t in m.group(2).split(",") if t]
        if any(not TAG.match(t) for t in tags):
            return self.violation("bad tags in {!r}".format(params["name"]))
        try:
            start, until = int(params["from"]), int(params["until"])
            rate = int(params.get("sampleRate", "100"))
        except ValueError:
            return self.violation("from, until and sampleRate are integers: {}".format(url.query))
        if not 1e9 < start < until < 1e10:
            return self.violation("from {} until {} are not UNIX seconds in order".format(start, until))
        if rate <= 0:
            return self.violation("sampleRate {} is not positive".format(rate))
        if params.get("spyName") != "cspy":
            return self.violation("spyName {!r} is not cspy".format(params.get("spyName")))
        fmt = params.get("format", "folded")
        content_type = self.headers.get("Content-Type", "")
        if fmt == "pprof":
            if not content_type.startswith("multipart/form-data"):
                return self.violation("pprof as {!r}, not multipart/form-data".format(content_type))
            data = multipart_field(body, content_type, "profile")
            if not data:
                return self.violation("no (or an empty) form field `profile`")
            if data[:2] != b"\x1f\x8b":
                return self.violation("the profile is not gzip data")
            ext = "pb.gz"
        elif fmt == "folded":
            data = body
            if not data:
                return self.violation("an empty folded body")
            ext = "folded"
        else:
            return self.violation("format {!r} is neither pprof nor folded".format(fmt))
        with LOCK:
            self.server.count += 1
            n = self.server.count
            name = "{:04d}-{}.{}".format(n, start, ext)
            with open(os.path.join(self.server.dir, name), "wb") as f:
                f.write(data)
            with open(os.path.join(self.server.dir, "requests.jsonl"), "a") as f:
                params.update(file=name, content_type=content_type, tags=tags, app=m.group(1))
                f.write(json.dumps(params) + "\n")
        self.answer(200, "ok")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    server = HTTPServer(("127.0.0.1", args.port), Handler)
    server.dir = args.dir
    # A restarted receiver numbers on after the files already there.
    server.count = len([f for f in os.listdir(args.dir) if f[:4].isdigit()])
    print("listening {}".format(server.server_address[1]), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
