#!/usr/bin/env python3
"""What a new log costs on disk, and its synced one-record append latency.

Usage: scripts/footprint.py AQ_WAL_BINARY SCRATCH_DIR N
Creates a log in SCRATCH_DIR (removed first) with `aq-wal append --backend uring`, appends N
255-byte lines one at a time (each waits for its printed sequence, so every line is its own
synced commit), closes, and prints p50/p99 latency, `du` of the directory and its files.
Run it with two binaries, interleaved, to compare them.
"""
import subprocess, sys, time, os, shutil
binary, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
shutil.rmtree(d, ignore_errors=True)
p = subprocess.Popen([binary, "append", d, "--backend", "uring"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
lat = []
for i in range(n):
    t = time.perf_counter()
    p.stdin.write(b"x" * 255 + b"\n")
    p.stdout.readline()
    lat.append(time.perf_counter() - t)
p.stdin.close(); p.wait()
lat.sort()
du = subprocess.run(["du", "-sk", d], capture_output=True, text=True).stdout.split()[0]
print(f"{binary}: {n} synced one-record appends: p50 {lat[n//2]*1e3:.2f} ms, p99 {lat[int(n*.99)]*1e3:.2f} ms; disk {int(du)//1024} MiB; files {sorted(os.listdir(d))}")
