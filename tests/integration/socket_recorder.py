#!/usr/bin/env python3
"""A unix-socket proxy that records the request line of every HTTP request it forwards.

    socket_recorder.py LISTEN_SOCKET TARGET_SOCKET LOG_FILE

Sits between swarmscope and dockerd to prove that swarmscope only ever sends GET requests:
every request line (method and path) that crosses it is appended to LOG_FILE.
"""
import os
import re
import socket
import sys
import threading

listen_path, target_path, log_path = sys.argv[1:4]
REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]\r?$", re.M)
lock = threading.Lock()


def pump(src, dst, record):
    buffered = b""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if record:
                buffered = (buffered + data)[-8192:]
                for m in REQUEST_LINE.finditer(buffered):
                    with lock, open(log_path, "ab") as log:
                        log.write(m.group(1) + b" " + m.group(2) + b"\n")
                # Keep only what follows the last complete line.
                cut = buffered.rfind(b"\n")
                buffered = buffered[cut + 1:] if cut >= 0 else buffered
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client):
    upstream = socket.socket(socket.AF_UNIX)
    try:
        upstream.connect(target_path)
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, upstream, True), daemon=True).start()
    threading.Thread(target=pump, args=(upstream, client, False), daemon=True).start()


if os.path.exists(listen_path):
    os.unlink(listen_path)
server = socket.socket(socket.AF_UNIX)
server.bind(listen_path)
server.listen(64)
while True:
    conn, _ = server.accept()
    serve(conn)
