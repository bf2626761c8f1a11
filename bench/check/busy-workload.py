"""A busy mixed workload for bench/check: file reads, accepted and refused
connects, temp-file writes and short subprocesses, in steps.

    python3 busy-workload.py SEED STEPS [--drift]

--drift adds, once at the end, what a compromised run would do: a new program,
a download attempt, credential reads and a connect to a new peer.
"""
import os
import random
import socket
import subprocess
import sys
import tempfile

seed, steps = int(sys.argv[1]), int(sys.argv[2])
drift = "--drift" in sys.argv[3:]
random.seed(seed)

files = [os.path.join(root, n) for root, _, names in os.walk("/usr/share/doc") for n in names]
server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(512)
port = server.getsockname()[1]
tmp = tempfile.mkdtemp(prefix="busy-")

for step in range(steps):
    for path in random.sample(files, min(3000, len(files))):
        try:
            with open(path, "rb") as f:
                f.read(64)
        except OSError:
            pass
    for _ in range(200):
        s = socket.socket()
        s.connect(("127.0.0.1", port))
        c, _ = server.accept()
        c.close()
        s.close()
        s = socket.socket()
        try:
            s.connect(("127.0.0.1", 1))
        except OSError:
            pass
        s.close()
    for i in range(20):
        with open(os.path.join(tmp, f"out-{step}-{i}.txt"), "w") as f:
            f.write("x")
    subprocess.run(["ls", "-la", tmp], stdout=subprocess.DEVNULL)
    subprocess.run(["sh", "-c", "cat /etc/os-release | wc -l"], stdout=subprocess.DEVNULL)
    subprocess.run(["git", "--version"], stdout=subprocess.DEVNULL)

if drift:
    subprocess.run(["id"], stdout=subprocess.DEVNULL)
    subprocess.run(["curl", "-s", "-m", "1", "http://127.0.0.1:1/"], stdout=subprocess.DEVNULL)
    for path in ["/etc/passwd", "/root/.ssh/id_rsa", "/etc/shadow"]:
        try:
            with open(path) as f:
                f.read(10)
        except OSError:
            pass
    s = socket.socket()
    try:
        s.connect(("127.0.0.2", 9))
    except OSError:
        pass
