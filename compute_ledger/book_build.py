"""Build the assembled book with Jupyter Book 1, incrementally, warnings as errors.

The assembled sources and Sphinx's build folder are kept under ``build/book`` between runs. A source file is rewritten
only when its bytes change (``SourceFolder``), so Sphinx, which compares modification times, re-reads only the pages
that changed: after a parameter change, the chapters that use it, the appendices that show it, and the pages that
glue numbers from those chapters. The book is built from scratch when its structure changed (code, data, notebooks,
``book/``, packages), when the last build did not finish, with ``--force``, and as a retry when an incremental build
fails. jupyter-book runs in a process of its own that can start early and load Sphinx while the notebooks finish.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tqdm import tqdm

from compute_ledger import paths, processes
from compute_ledger.errors import BookError

BUILD_FLAGS = ("-W", "-n", "--keep-going")
SOURCE = paths.BOOK_WORK / "source"  # the assembled sources
OUTPUT = paths.BOOK_WORK / "output"  # Sphinx's build folder: doctrees, pickled environment, html
# In the build folder after a build succeeded: the book structure key it was built with. Removed while a build runs.
BUILT_MARKER = "built-with"
# A cross-page glue reference, e.g. {glue:text}`power.ipynb::largest_today_mw`: the page shows numbers of power.ipynb.
GLUE_REFERENCE = re.compile(r"\{glue(?::[a-z]+)?\}[`\s]([^`\s:]+\.ipynb)::")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SPHINX_PROGRESS = re.compile(r"^(reading sources|writing output)\.\.\. \[\s*(\d+)%\]")


class SourceFolder:
    """A folder of book sources that rewrites a file only when its bytes change (its modification time then tells
    Sphinx the page changed) and removes the files an assembly no longer produces."""

    def __init__(self, root: Path):
        self.root = root
        self.produced: set[str] = set()
        self.changed: set[str] = set()

    def write(self, relative: str, data: bytes) -> None:
        self.produced.add(relative)
        target = self.root / relative
        try:
            if target.read_bytes() == data:
                return
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.changed.add(relative)

    def write_text(self, relative: str, text: str) -> None:
        self.write(relative, text.encode("utf-8"))

    def copy_tree(self, source: Path, relative: str, skip: tuple[str, ...] = ()) -> None:
        for path in sorted(source.rglob("*")):
            inside = path.relative_to(source)
            if path.is_file() and not any(part in skip for part in inside.parts):
                self.write(str(Path(relative) / inside), path.read_bytes())

    def remove_others(self) -> None:
        for path in sorted(self.root.rglob("*"), reverse=True):
            if path.is_file() and str(path.relative_to(self.root)) not in self.produced:
                path.unlink()
                self.changed.add(str(path.relative_to(self.root)))
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()

    def refresh_glue_readers(self) -> list[str]:
        """Mark as changed (a new modification time) the unchanged pages that glue numbers from a changed notebook,
        e.g. the intro: Sphinx knows nothing of that link and would keep their old numbers. Returns those pages."""
        marked = []
        for page in sorted([*self.root.glob("**/*.md"), *self.root.glob("**/*.ipynb")]):
            relative = str(page.relative_to(self.root))
            if relative in self.changed or relative.startswith("_"):
                continue
            references = GLUE_REFERENCE.findall(page.read_text(encoding="utf-8"))
            sources = {os.path.normpath(os.path.join(os.path.dirname(relative), ref)) for ref in references}
            if sources & self.changed:
                os.utime(page)
                marked.append(relative)
        return marked


def build(
    source: Path,
    output: Path,
    structure: str,
    log=print,
    started: JupyterBook | None = None,
    from_scratch: bool = False,
) -> Path:
    """Build the book in ``source`` into ``output``; returns the HTML folder. Raises BookError on any warning.

    Incremental (Sphinx re-reads changed pages only) when the last build into ``output`` succeeded with the same
    ``structure`` key; from scratch otherwise, and as a retry when the incremental build fails. A failed build
    leaves no marker, so the next one starts from scratch: a page with warnings is never skipped as "unchanged".
    ``started``: a jupyter-book process started ahead (see ``JupyterBook``), used for the first attempt;
    ``from_scratch``: never incremental (``--force``).
    """
    marker = output / BUILT_MARKER
    incremental = not from_scratch and marker.exists() and marker.read_text(encoding="utf-8") == structure
    marker.unlink(missing_ok=True)
    jupyter_book = started or JupyterBook(output)
    if incremental:
        try:
            html_folder = jupyter_book.build(source, output, everything=False, log=log)
            marker.write_text(structure, encoding="utf-8")
            return html_folder
        except BookError:
            log("  book: the incremental build failed; building it again from scratch")
            jupyter_book = JupyterBook(output)
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir(parents=True)
    html_folder = jupyter_book.build(source, output, everything=True, log=log)
    marker.write_text(structure, encoding="utf-8")
    return html_folder


# jupyter-book's command line in a process that can start before the sources are ready. It first imports the modules
# the last successful build had loaded (Sphinx, docutils, the extensions and all they import: ~2 s; the list is kept in
# the file named by its argument), then reads its build arguments from stdin, or exits when stdin closes. After a
# successful build it records the modules it loaded. It ends with os._exit: tearing down an interpreter that holds
# Sphinx's environment takes another ~0.5 s and serves nothing.
JUPYTER_BOOK_PROCESS = """\
import importlib, json, os, sys, traceback
modules_file = sys.argv[1]
try:
    with open(modules_file, encoding="utf-8") as handle:
        preload = json.load(handle)
except (OSError, ValueError):
    preload = ["jupyter_book.cli.main"]
for name in preload:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # not importable on its own; the build imports what it needs
line = sys.stdin.readline()
if not line:
    os._exit(0)
from jupyter_book.cli.main import main
try:
    main(json.loads(line))
    code = 0
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, int) else 1
except BaseException:
    traceback.print_exc()
    code = 1
if code == 0:
    with open(modules_file, "w", encoding="utf-8") as handle:
        json.dump(sorted(sys.modules), handle)
sys.stdout.flush()
os._exit(code)
"""


def sphinx_modules(output: Path) -> Path:
    """Where the modules a successful build into ``output`` loaded are listed (see JUPYTER_BOOK_PROCESS)."""
    return output.parent / "sphinx-modules.json"


def _book_process_started() -> None:
    processes.die_with_parent(signal.SIGKILL)  # a killed pipeline takes its book build with it


def edited_name(assembled: str) -> str:
    """The file a person edits for a file of the assembled sources: ``book/…`` for the book's own pages,
    ``notebooks/…`` for a chapter, and the page's name, marked generated, for pages written from data/raw."""
    if (paths.BOOK / assembled).exists():
        return f"book/{assembled}"
    if (paths.NOTEBOOKS / assembled).exists():
        return f"notebooks/{assembled}"
    return f"{assembled} (a page generated by compute_ledger/book.py)"


_ASSEMBLED_PATH = re.compile(re.escape(str(SOURCE)) + r"/([^\s:]+)")


def name_edited_files(line: str) -> str:
    """A Sphinx warning with the assembled copy's path replaced by the file to edit."""
    return _ASSEMBLED_PATH.sub(lambda match: edited_name(match.group(1)), line)


class JupyterBook:
    """One ``jupyter-book build`` in its own process, started when created so that it loads Sphinx while the run
    does other work (the notebooks). ``build`` runs it once; ``stop`` (or leaving a ``with`` block) ends it unused.
    ``output``: the build folder it will build into (its module list sits beside it)."""

    def __init__(self, output: Path = OUTPUT):
        modules = sphinx_modules(output)
        modules.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-c", JUPYTER_BOOK_PROCESS, str(modules)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_book_process_started,
        )

    def __enter__(self) -> JupyterBook:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stdout.close()
        if not self.process.stdin.closed:
            self.process.stdin.close()

    def build(self, source: Path, output: Path, everything: bool, log=print) -> Path:
        """The build, its progress shown as it goes; raises BookError on a warning or an error."""
        arguments = [
            "build",
            str(source),
            "--path-output",
            str(output),
            *BUILD_FLAGS,
            *(["--all"] if everything else []),
        ]
        lines = []
        try:
            try:
                self.process.stdin.write(json.dumps(arguments) + "\n")
                self.process.stdin.close()
            except BrokenPipeError:
                pass  # it stopped while starting; its output says why
            with BuildProgress(log) as progress:
                for line in self.process.stdout:  # universal newlines: Sphinx's "\r" updates arrive as lines too
                    line = ANSI_ESCAPE.sub("", line).rstrip()
                    lines.append(line)
                    progress.update(line)
            self.process.wait()
        finally:
            self.stop()  # on Ctrl-C: Sphinx stops before the caller removes the staging folder
        problems = [name_edited_files(line) for line in lines if "WARNING" in line or "ERROR" in line]
        if self.process.returncode != 0 or problems:
            detail = "\n".join(problems[:30]) or "\n".join(name_edited_files(line) for line in lines[-40:])
            raise BookError(f"jupyter-book build failed (exit {self.process.returncode}):\n{detail}")
        return output / "_build" / "html"


class BuildProgress:
    """Sphinx's progress while the book builds: a bar per phase on a terminal; in a log (not a terminal), one line
    when each phase starts, so that CI logs get two lines, not one per page."""

    def __init__(self, log=print, interactive: bool | None = None):
        self.log = log
        self.interactive = sys.stderr.isatty() if interactive is None else interactive
        self.phase = None
        self.bar = None

    def __enter__(self) -> BuildProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, line: str) -> None:
        match = SPHINX_PROGRESS.match(line)
        if not match:
            return
        phase, percent = match.group(1), int(match.group(2))
        if phase != self.phase:
            self.phase = phase
            if self.bar is not None:
                self.bar.close()
            if self.interactive:
                self.bar = tqdm(total=100, desc=f"book: {phase}", unit="%", leave=False)
            else:
                self.log(f"  book: {phase}…")
        if self.bar is not None:
            self.bar.update(percent - self.bar.n)
