"""Writing the starter project of ``dlrec init DIR``: all files or none (``starter_template``
reads its train.py template, package data).

``write_files`` stages each file beside its target, then renames them all
(``recommender.core.atomic.write_atomic_many``), and refuses to overwrite unless ``force``. On a
failure (a full disk) it removes what this run created, never a file that was there before, and
says which files and why. ``decide/starter.py`` makes the files' text; nothing there writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from recommender.core.atomic import os_error_text, write_atomic_many
from recommender.core.errors import BadInputError
from recommender.decide.starter import FILES


def starter_template(framework: str) -> str:
    """The train.py template of ``framework``'s starter project (package data)."""
    from importlib import resources

    return (
        resources.files("recommender")
        # Several parts: pathlib and 3.11's Traversable take them; mypy checks 3.10's one-part
        # stub (a zipped install on 3.10 would take one part too).
        .joinpath("templates")
        .joinpath(f"train_{framework}.py.txt")
        .read_text(encoding="utf-8")
    )


def check_targets(directory: str | os.PathLike[str], *, force: bool) -> None:
    """Refuse (exit 2) a DIR that is a file, or files that exist, unless ``force``."""
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise BadInputError("is not a directory", where=str(directory))
    if force:
        return
    for name in FILES:
        if (folder / name).exists():
            raise BadInputError(
                "already exists; use --force to overwrite it", where=str(folder / name)
            )


def write_files(
    directory: str | os.PathLike[str], files: Mapping[str, str], *, force: bool
) -> list[Path]:
    """Write ``files`` into ``directory``, all or none; BadInputError (exit 2) naming the file
    and the reason, after removing what this run created."""
    check_targets(directory, force=force)
    folder = Path(directory)
    made_folder = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInputError(
            f"cannot create the folder: {exc.strerror}", where=str(directory)
        ) from None
    targets = [folder / name for name in files]
    existed = {path for path in targets if os.path.lexists(path)}
    try:
        return write_atomic_many([(folder / name, text) for name, text in files.items()])
    except OSError as exc:
        removed = _remove_new(targets, existed, folder if made_folder else None)
        failed = Path(exc.filename).name if exc.filename else "the files"
        if removed:  # failed while renaming (rare): the new files that made it are taken back
            undone = f"removed the files this run had written ({', '.join(removed)})"
            if existed:
                undone += "; files that were there before may hold the new text"
        else:  # failed while writing: every file is staged first, so none changed
            undone = "no file was written or changed"
        raise BadInputError(
            f"cannot write {failed}: {os_error_text(exc)}; {undone}; fix that and run dlrec init again",
            where=str(directory),
        ) from None


def _remove_new(targets: Sequence[Path], existed: set[Path], folder: Path | None) -> list[str]:
    """Remove the targets this run created (not those that existed before), and ``folder``
    when this run created it and it is empty now; the names removed."""
    removed = []
    for path in targets:
        if path not in existed and os.path.lexists(path):
            try:
                os.unlink(path)
                removed.append(path.name)
            except OSError:
                pass
    if folder is not None:
        try:
            folder.rmdir()
        except OSError:
            pass
    return removed


__all__ = ["check_targets", "write_files"]
