"""One run's worker process: `python -m xborder.web.worker FOLDER` runs the commands of
FOLDER/command.json in FOLDER, one after the other, stdout to stdout.txt and the stage lines to
progress.txt, and exits with the exit code of the last one it ran (the first that fails ends the
run).

It stands between the server and the CLI so that a stop reaches the CLI exactly once, however
many times it is asked: SIGTERM or SIGINT to the worker (a cancel, the server stopping, or the
server's death: the kernel sends the parent-death signal once per thread of the dying server)
becomes one SIGINT to the running command, which then keeps its best plan, as after one Ctrl-C.
The command runs in the worker's process group, so stopping the group stops everything."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

TICK = 0.1


class StopOnce:
    """Whether a stop was asked for, and whether it was passed on."""

    def __init__(self):
        self.asked = False
        self.passed_on = False

    def ask(self, signum, frame):
        self.asked = True


def run_commands(folder: Path, lines: list[list[str]], stop: StopOnce) -> int:
    code = 0
    for args in lines:
        if stop.asked:
            return 130 if code == 0 else code
        with open(folder / "stdout.txt", "a", encoding="utf-8") as out, open(folder / "progress.txt", "a", encoding="utf-8") as err:
            command = subprocess.Popen([sys.executable, "-m", "xborder.cli", *args], cwd=folder, stdout=out, stderr=err,
                                       stdin=subprocess.DEVNULL)
            while (code := command.poll()) is None:
                if stop.asked and not stop.passed_on:
                    command.send_signal(signal.SIGINT)
                    stop.passed_on = True
                time.sleep(TICK)
        if code != 0:
            break
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell says


def main(argv: list[str]) -> int:
    folder = Path(argv[0]).resolve()
    stop = StopOnce()
    signal.signal(signal.SIGTERM, stop.ask)
    signal.signal(signal.SIGINT, stop.ask)
    lines = [args[1:] for args in json.loads((folder / "command.json").read_text(encoding="utf-8"))]  # without "xborder"
    return run_commands(folder, lines, stop)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
