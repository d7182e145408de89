"""Closed-set values on the command line: one click type for all of them.

Every closed set (frameworks, smoke devices, accelerator answers, formats, question answers)
comes from the catalog or the rule base, and is read by ``NamedChoice``: case-insensitive, with
synonyms that map to the canonical value (so ``--device nvidia`` is ``cuda`` and
``--accelerator cuda`` is ``nvidia``; JSON and caches keep the canonical names), and a typo
answered by "did you mean" (``core/names.py``'s ``did_you_mean``, the one helper, also used
for command names, ``--why`` and answers files).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import click

from recommender.core.catalog import ACCELERATORS, FRAMEWORK_IDS, FRAMEWORKS, GPU_ANSWERS
from recommender.core.names import did_you_mean

#: What ``--accelerator gpu`` means until the facts say which kind (resolved with the facts).
GPU = "gpu"


class NamedChoice(click.Choice):
    """A closed set: case-insensitive, ``synonyms`` (another name -> the canonical value), and
    "did you mean" on a typo. ``extra`` values are accepted as they are (``gpu``)."""

    def __init__(
        self,
        choices: Sequence[str],
        synonyms: Mapping[str, str] | None = None,
        extra: Sequence[str] = (),
        hints: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(tuple(choices), case_sensitive=False)
        self.synonyms = {k.lower(): v for k, v in (synonyms or {}).items()}
        self.extra = tuple(extra)
        #: A value that is not allowed but means something: what to say instead of a guess.
        self.hints = dict(hints or {})

    def convert(self, value, param, ctx):
        text = str(value).strip().lower()
        if self.synonyms.get(text) in self.choices:
            return self.synonyms[text]
        if text in self.extra:
            return text
        try:
            return super().convert(text, param, ctx)
        except click.BadParameter:
            if text in self.hints:
                self.fail(f"{value!r}: {self.hints[text]}", param, ctx)
            hint = did_you_mean(text, [*self.choices, *self.synonyms, *self.extra])
            self.fail(
                f"{value!r} is not allowed (allowed: {', '.join(self.choices)}){hint}", param, ctx
            )

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        names = [*self.choices, *self.extra]
        return [CompletionItem(n) for n in names if str(n).startswith(incomplete.lower())]


#: ``dlrec smoke --device`` names (cuda, rocm, mps, xpu, tpu, cpu) from the accelerator answers.
DEVICE_SYNONYMS: dict[str, str] = {
    a.answer: a.smoke_device for a in ACCELERATORS.values() if a.answer != a.smoke_device
}
#: ``--accelerator`` answers (nvidia, amd, apple, intel, tpu, cpu) from the smoke device names.
ACCELERATOR_SYNONYMS: dict[str, str] = {
    a.smoke_device: a.answer for a in ACCELERATORS.values() if a.answer != a.smoke_device
}


def device_choice(devices: Sequence[str]) -> NamedChoice:
    """``--device``: the smoke devices; an accelerator answer (``nvidia``) is a synonym."""
    gpus = ", ".join(
        f"{a.smoke_device} ({a.answer})" for a in ACCELERATORS.values() if a.answer in GPU_ANSWERS
    )
    return NamedChoice(
        devices,
        synonyms=DEVICE_SYNONYMS,
        hints={"gpu": f"name the kind of GPU: {gpus}; or auto, every device found here"},
    )


def accelerator_choice(answers: Sequence[str]) -> NamedChoice:
    """``--accelerator``: the question's answers; a device name (``cuda``) is a synonym, and
    ``gpu`` is kept for the facts to resolve (the one GPU kind present)."""
    return NamedChoice(answers, synonyms=ACCELERATOR_SYNONYMS, extra=(GPU,))


#: Other names people type for a framework: its import name (``torch``) and short name (``tf``).
FRAMEWORK_SYNONYMS: dict[str, str] = {
    name.lower(): f.id.value
    for f in FRAMEWORKS.values()
    for name in (f.module, f.short)
    if name.lower() != f.id.value
}


def framework_choice() -> NamedChoice:
    """``--framework``: the catalog's framework ids; ``torch`` and ``tf`` are synonyms."""
    return NamedChoice(FRAMEWORK_IDS, synonyms=FRAMEWORK_SYNONYMS)


def file_path(*, allow_dash: bool = False) -> click.Path:
    """A file argument: completes file names in bash, zsh and fish. Existence is left to the
    reader, whose one-line error names the file (and line) for every way a file can be bad."""
    return click.Path(allow_dash=allow_dash, path_type=str)


def dir_path() -> click.Path:
    """A folder argument (it may not exist yet): completes folder names."""
    return click.Path(file_okay=False, path_type=str)
