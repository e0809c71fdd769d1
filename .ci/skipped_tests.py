"""The tests that skipped in a pytest JUnit XML report, as pytest node ids, one per line (CI's
step 1): tests/test_x.py::test_name[param], tests/test_x.py::TestClass::test_name, or the file
itself for a module skipped whole."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def split_module(dotted: str) -> tuple[str, list[str]] | None:
    """tests.test_x.TestClass -> ("tests/test_x.py", ["TestClass"]): the longest prefix that is a
    file, and what follows it (the classes)."""
    parts = [part for part in dotted.split(".") if part]
    for end in range(len(parts), 0, -1):
        path = Path(*parts[:end]).with_suffix(".py")
        if path.is_file():
            return str(path), parts[end:]
    return None


def node_id(case: ET.Element) -> str | None:
    """The node id of one JUnit test case; a module skipped whole has no classname, its name is
    the module."""
    classname, name = case.get("classname", ""), case.get("name", "")
    if not classname:
        found = split_module(name)
        return found[0] if found and not found[1] else None
    found = split_module(classname)
    return None if found is None else "::".join([found[0], *found[1], name])


def main(report: str):
    ids = []
    for case in ET.parse(report).getroot().iter("testcase"):
        if case.find("skipped") is not None:
            found = node_id(case)
            if found is None:
                sys.exit(f"error: no test for {case.get('classname')}::{case.get('name')}")
            ids.append(found)
    print("\n".join(sorted(set(ids))))


if __name__ == "__main__":
    main(sys.argv[1])
