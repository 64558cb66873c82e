"""Errors a user can cause, reported as one clear message without a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A problem in the user's config or data, with what would fix it.

    The message names the file, row, column or config key involved. Entry points
    (Snakemake scripts, the command line) print it alone and exit non-zero; internal
    errors keep their traceback.

    Examples
    --------
    >>> str(UserError("config.yaml: studies.demo.waves: must list at least one wave"))
    'config.yaml: studies.demo.waves: must list at least one wave'
    """


def exit_on_user_error(func):
    """Run ``func()``; on a :class:`UserError` print its message to stderr and exit 1.

    Used by the scripts so a user sees one line instead of a traceback.
    """
    import sys

    try:
        return func()
    except UserError as error:
        message = f"error: {error}"
        print(message, file=sys.stderr)
        if sys.stderr is not sys.__stderr__:   # scripts send stderr to their log: tell the console too
            print(message, file=sys.__stderr__)
        sys.exit(1)
