"""The kit's command line: ``python -m course_utils COMMAND [--help]``; the commands are listed in
:data:`course_utils.commands.COMMANDS`, and ``--help`` shows the first line of each one's docstring."""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import re
import sys
from pathlib import Path

from .commands import COMMANDS, PROG, UsageError


def summary(module: str) -> str:
    """The first line of ``module``'s docstring, read from its source without importing it (torch and Ray load
    slowly), less its leading ``python -m course_utils NAME:``."""
    source = Path(importlib.util.find_spec(module).origin).read_text(encoding="utf-8")
    first = (ast.get_docstring(ast.parse(source)) or "").splitlines()[0]
    return re.sub(r"^`*python -m course_utils [\w-]+[^:]*`*:\s*", "", first)


def usage() -> str:
    """The text of ``python -m course_utils --help``."""
    width = max(map(len, COMMANDS))
    lines = [f"usage: {PROG} COMMAND [--help]", "", "commands:"]
    lines += [f"  {name:{width}}  {summary(module)}" for name, module in COMMANDS.items()]
    return "\n".join([*lines, "", f"`{PROG} COMMAND --help` explains each command."])


def main(argv: list[str] | None = None) -> int:
    """Run ``argv[0]``'s command; a UsageError it raises is one line on stderr and exit status 2."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(usage())
        return 0
    if not argv:
        print(usage(), file=sys.stderr)
        return 2
    command = argv[0]
    if command not in COMMANDS:
        close = difflib.get_close_matches(command, COMMANDS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        print(f"{PROG}: error: unknown command '{command}': {hint}commands: {', '.join(COMMANDS)}.", file=sys.stderr)
        return 2
    try:
        return importlib.import_module(COMMANDS[command]).main(argv[1:])
    except UsageError as error:
        print(f"{PROG} {command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
