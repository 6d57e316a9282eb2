"""One error type for bad input: it names the file, the line and the problem."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Malformed input data.

    The message reads ``FILE:LINE: PROBLEM`` (or ``FILE: PROBLEM`` when no line applies),
    followed by a hint on how to fix it when one is given.
    """

    def __init__(self, path: str | Path, line: int | None, problem: str, fix: str | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{self.path}:{line}" if line is not None else self.path
        message = f"{where}: {problem}"
        if fix:
            message += f" (fix: {fix})"
        super().__init__(message)


class ConfigError(ValueError):
    """A bad parameter or setting: the message names the parameter, the value and the fix."""

    def __init__(self, name: str, value: object, problem: str, fix: str | None = None):
        self.name = name
        self.value = value
        message = f"parameter {name}={value!r}: {problem}"
        if fix:
            message += f" (fix: {fix})"
        super().__init__(message)
