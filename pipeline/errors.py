"""The one exception a user ever sees: something they can fix, said in one line."""


class PipelineError(Exception):
    """A problem with the user's input or configuration, not with the code.

    The message says what went wrong, where (file, row, column) and what to do next.
    The command line prints it without a traceback and exits 1.
    """
