#!/usr/bin/env python3
"""A small web app for the supervisor tests (stdlib only, loopback): HTTP, SSE, a WebSocket echo, a hanging route.

Environment: PORT (required), APP_NAME, CRASH_AFTER (seconds, then exit 3), SICK_FILE (while it exists /health is 500), HANG_WORK=1 (/work never answers),
LINES (print that many log lines at start).
"""
import base64, hashlib, http.server, os, socketserver, struct, sys, threading, time

PORT = int(os.environ["PORT"])
NAME = os.environ.get("APP_NAME", "app")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_text(self, code, text, ctype="text/plain"):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self.send_text(200, '{"name":"%s","path":"%s","echo":%s}' % (NAME, self.path, body or "null"), "application/json")

    def do_GET(self):
        if self.path == "/health":
            sick = os.environ.get("SICK_FILE")
            return self.send_text(500 if sick and os.path.exists(sick) else 200, "ok")
        if self.path == "/work" and os.environ.get("HANG_WORK") == "1":
            time.sleep(3600)
        if self.path.startswith("/sse"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            for i in range(5):
                self.wfile.write(("data: tick %d\n\n" % i).encode())
                self.wfile.flush()
                time.sleep(0.3)
            self.close_connection = True
            return
        if self.path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        prefix = self.headers.get("X-Forwarded-Prefix")
        self.send_text(200, "hello from %s %s prefix=%s" % (NAME, self.path, prefix), "text/html")

    def websocket(self):
        key = self.headers["Sec-WebSocket-Key"]
        accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                return
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack(">H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            if opcode == 8:
                self.wfile.write(b"\x88\x00")
                return
            reply = ("echo:" + data.decode()).encode()
            self.wfile.write(bytes([0x81, len(reply)]) + reply)
            self.wfile.flush()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = False


def main():
    for i in range(int(os.environ.get("LINES", "0"))):
        print("line %d" % i)
    server = Server(("127.0.0.1", PORT), Handler)
    print("listening on %d" % PORT, flush=True)
    crash = os.environ.get("CRASH_AFTER")
    if crash:
        threading.Timer(float(crash), lambda: os._exit(3)).start()
    server.serve_forever()


main()
