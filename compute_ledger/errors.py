"""The errors a run reports in one line. They live apart from the modules that raise them so that the command line
can catch them without loading pandas, papermill or Sphinx (a run with nothing changed never loads those)."""

from __future__ import annotations


class RawDataError(Exception):
    """Raised when ``data/raw`` breaks its contract. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in data/raw:\n" + "\n".join(problems))


class EvidenceError(Exception):
    """A headline number rests on a row the evidence rules exclude (a weak source). ``problems``: one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} key number problem(s):\n" + "\n".join(problems))


class InputFileError(Exception):
    """An input file could not be opened, decoded or parsed; the message is one line naming it."""


class NotebookError(Exception):
    """A chapter notebook failed; the message names the notebook, the cell and the exception."""


class BookError(Exception):
    """The book did not build; the message carries Sphinx's warnings and errors."""


class RunBusyError(Exception):
    """Another run holds the lock."""


class Terminated(KeyboardInterrupt):
    """The run received SIGTERM; it stops as on Ctrl-C (clean-up, previous outputs kept), with exit code 143."""
