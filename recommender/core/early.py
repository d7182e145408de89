"""The quiet end of a start-up: until the CLI installs its real handlers, Ctrl-C, SIGTERM or
SIGHUP end dlrec with one line, ``dlrec: interrupted`` (exit 130), never Python's traceback from
inside an import.

``recommender/__init__.py`` calls ``install`` first thing, so this holds from the moment pip's
launcher imports dlrec's first module. Only ``os``, ``sys`` (loaded by Python's start-up) and the
built-in ``_signal`` are used: ``signal`` would first import enum. An import of ``recommender``
by another program (a test, a notebook) keeps that program's own Ctrl-C.
"""

from __future__ import annotations

import os
import sys

SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def launched_as_dlrec() -> bool:
    """True in the dlrec program (its launcher, or ``python -m recommender``)."""
    script = (sys.argv[0] if sys.argv else "").replace("\\", "/").rsplit("/", 1)[-1]
    if script.startswith("dlrec"):  # pip's launcher: bin/dlrec, Scripts\dlrec.exe
        return True
    if script == "__main__.py" and os.path.basename(os.path.dirname(sys.argv[0])) == "recommender":
        return True  # python -m recommender, once runpy has found the module
    argv = list(getattr(sys, "orig_argv", ()))
    return "-mrecommender" in argv or any(
        a == "-m" and b == "recommender" for a, b in zip(argv, argv[1:])
    )


def interrupted(signum: int, frame: object) -> None:
    """Nothing has started yet: leave at once, quietly."""
    os.write(2, b"dlrec: interrupted\n")
    os._exit(130)


def install() -> None:
    """The quiet handlers, in the dlrec program only."""
    if not launched_as_dlrec():
        return
    import _signal

    for name in SIGNALS:
        if hasattr(_signal, name):
            _signal.signal(getattr(_signal, name), interrupted)


class CollectorPaused:
    """``with CollectorPaused():`` the cycle collector off for a block, as it was after.

    Importing dlrec's stages and loading the rule base build thousands of objects that live as
    long as the process (modules, classes, the rule base's values) and hold no garbage; the
    collector would walk them again and again as they pile up (about 10 ms of a warm
    ``dlrec recommend``). Used around those imports only: the command itself runs with the
    collector on, whatever it reads.

    In the dlrec program (:func:`launched_as_dlrec`) what was built while paused is also frozen
    (``gc.freeze``) as the collector resumes: the command's collections then never walk it
    (about 15 ms of a warm ``dlrec recommend`` before, 1 ms after), nor does the interpreter's
    last collection at exit (26 ms to 8 ms; ``dlrec --help`` 16 ms to 5 ms). Another program
    that imports recommender (tests, a notebook) keeps its collector as it was: there, freezing
    would keep whatever cyclic garbage it held at that moment for good."""

    def __enter__(self) -> None:
        import gc

        self._was_on = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        import gc

        if self._was_on:
            if launched_as_dlrec():
                gc.freeze()  # the long-lived objects built meanwhile: out of every collection
            gc.enable()
