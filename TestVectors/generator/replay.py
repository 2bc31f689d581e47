#!/usr/bin/env python3
"""Replays Parley-v1 test vector files with the configured PyPI packages.

    python replay.py FILE...

Prints `PASS name` or `FAIL name: step K: reason` per file, then
`N passed, M failed`; exits 0 only if every file passed.
"""
import json
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from runner import StepFailure, run_vector  # noqa: E402


def main(argv):
    if not argv:
        print("usage: replay.py FILE...", file=sys.stderr)
        return 2
    passed = failed = 0
    for path in argv:
        name = os.path.basename(path)
        try:
            with open(path, encoding="utf-8") as f:
                vec = json.load(f)
            name = vec.get("name", name)
            with warnings.catch_warnings():
                warnings.simplefilter("error", UserWarning)  # a package warning means a deviation slipped through
                run_vector(vec)
        except StepFailure as e:
            print(f"FAIL {name}: {e}")
            failed += 1
        except Exception as e:
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            failed += 1
        else:
            print(f"PASS {name}")
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
