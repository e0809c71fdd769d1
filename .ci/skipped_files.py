"""The test files that skipped a test in a pytest JUnit XML report, one per line (CI's step 1)."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def test_file(dotted: str) -> str | None:
    """tests.test_x or tests.test_x.TestClass -> tests/test_x.py (the longest prefix that is a file)."""
    parts = [part for part in dotted.split(".") if part]
    for end in range(len(parts), 0, -1):
        path = Path(*parts[:end]).with_suffix(".py")
        if path.is_file():
            return str(path)
    return None


def main(report: str):
    files = set()
    for case in ET.parse(report).getroot().iter("testcase"):
        if case.find("skipped") is not None:
            # a test's classname is its module (and class); a module skipped whole has none, its name is the module
            found = test_file(case.get("classname", "")) or test_file(case.get("name", "").split("::")[0])
            if found is None:
                sys.exit(f"error: no test file for {case.get('classname')}::{case.get('name')}")
            files.add(found)
    print("\n".join(sorted(files)))


if __name__ == "__main__":
    main(sys.argv[1])
