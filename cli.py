"""xborder command line: the group, and the registration of the commands, whose bodies live in
commands/ by group. Exit codes: 0 success, 1 no feasible plan / check failed, 2 bad input or
usage, 3 no plan better than doing nothing within the time limit, 130 interrupted (README table)."""

from __future__ import annotations

import click

from . import __version__
from .commands import instances, plans, research, studies
from .web import serve


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="xborder")
def cli():
    """xborder: plan markets, social channels, warehouses and lanes for cross-border sellers.

    \\b
    Example:
      xborder validate instances/demo.json
      xborder solve instances/demo.json --out out/demo
      xborder check instances/demo.json out/demo/solution.json
    """


for module in (instances, plans, studies, research, serve):
    for command in module.COMMANDS:
        cli.add_command(command)


def main():
    cli(prog_name="xborder")


if __name__ == "__main__":
    main()
