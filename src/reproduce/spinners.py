"""gilcheck reproduce: the program for a waiter bypassed for ever (GIL-L2): N threads spin in
Python code, with the switch interval given, until the process is killed.

usage: python spinners.py [threads] [switch_interval_seconds]
"""
import sys
import threading
import time


def spin():
    while True:
        pass


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    sys.setswitchinterval(float(sys.argv[2]) if len(sys.argv) > 2 else 1.0)
    for _ in range(count):
        threading.Thread(target=spin, daemon=True).start()
    time.sleep(3600)


if __name__ == "__main__":
    main()
