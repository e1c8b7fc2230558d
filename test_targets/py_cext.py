"""A Python loop that spends its time in a C extension: hashlib's SHA-256 (OpenSSL's
libcrypto) over a 64 KiB buffer, called from hash_loop.
Usage: python3 py_cext.py SECONDS   (prints "ready" once it starts hashing)
"""
import hashlib
import sys
import time

DATA = bytes(range(256)) * 256


def hash_loop(deadline):
    digest = b""
    while time.monotonic() < deadline:
        digest = hashlib.sha256(DATA + digest).digest()
    return digest


def main():
    deadline = time.monotonic() + float(sys.argv[1])
    print("ready", flush=True)
    hash_loop(deadline)


if __name__ == "__main__":
    main()
