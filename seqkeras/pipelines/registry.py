"""The task registry: one name per task, the pipeline that does it, and its
command line.

A task is a pipeline class registered with `register_pipeline`. Its `task`
attribute is the task's one name, used everywhere: `pipeline.task`, the
`task` of `metrics.json` and of `pipeline.json`, the data-set catalogue
(`seqkeras.datasets.catalogue(task=...)`) and `seqkeras train TASK`. Its
`task_aliases` are other words for it that keep working: the command words
of earlier versions (`seqkeras train tag`) and task names that older saved
pipelines carry (`"forecast"`). The task's command-line module is
`seqkeras.cli.<the pipeline's module name>` (`seqkeras/cli/tagging.py` for
`seqkeras/pipelines/tagging.py`).

`load_pipeline(directory)` and the command line (`train`, `evaluate`,
`predict`, `export`) find a task's pipeline here, and the contract test
(`tests/test_contract.py`) runs over every registered task.

Example:

>>> from seqkeras.pipelines import registry
>>> registry.task_name("tag")
'tagging'
>>> registry.pipeline_class("translation").__name__
'TranslationPipeline'
"""

import json
import pathlib

from seqkeras.errors import InvalidArgumentError, InvalidInputError

PIPELINE_FILE = "pipeline.json"

_PIPELINES = {}  # task name -> pipeline class, in registration order
_ALIASES = {}  # alias -> task name


def register_pipeline(cls):
    """Class decorator: registers `cls` under `cls.task` and its aliases."""
    for name in (cls.task, *cls.task_aliases):
        owner = _ALIASES.get(name, name if name in _PIPELINES else None)
        if owner is not None and owner != cls.task:
            raise InvalidArgumentError(
                f"The task name {name!r} of {cls.__name__} is taken by {owner!r}."
            )
    _PIPELINES[cls.task] = cls
    _ALIASES.update({alias: cls.task for alias in cls.task_aliases})
    return cls


def tasks():
    """The registered task names, in registration order."""
    return list(_PIPELINES)


def task_name(name):
    """The task's one name for `name` (the name itself or an alias)."""
    if name in _PIPELINES:
        return name
    if name in _ALIASES:
        return _ALIASES[name]
    raise InvalidArgumentError(
        f"Unknown task {name!r}; the tasks are {', '.join(_PIPELINES)}."
    )


def aliases(task):
    """The other names of `task`."""
    return tuple(alias for alias, name in _ALIASES.items() if name == task)


def pipeline_class(task):
    """The pipeline class of `task` (a name or an alias)."""
    return _PIPELINES[task_name(task)]


def command_module(task):
    """The name of the module that holds `task`'s command line."""
    module = pipeline_class(task).__module__.rsplit(".", 1)[-1]
    return f"seqkeras.cli.{module}"


def read_info(directory):
    """The contents of a saved pipeline's `pipeline.json`, its task name
    made current."""
    directory = pathlib.Path(directory)
    path = directory / PIPELINE_FILE
    if not path.is_file():
        raise InvalidInputError(
            f"{directory} holds no saved pipeline ({PIPELINE_FILE} is missing). "
            "Pass the folder given to `seqkeras train --out` or `Pipeline.save`."
        )
    info = json.loads(path.read_text())
    info["task"] = task_name(info["task"])
    return info


def load_pipeline(directory):
    """Loads any pipeline saved with `Pipeline.save` from `directory`."""
    return pipeline_class(read_info(directory)["task"]).load(directory)
