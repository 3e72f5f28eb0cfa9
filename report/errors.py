"""The report's failures as one line for an operator: Chinese, then English, and the exit code."""

from __future__ import annotations

BAD_INPUT = 2  # a wrong option, a database that cannot be read, no renderer: nothing is written
MAIL_FAILED = 3  # the PDF is written, the mail did not go


class ReportError(Exception):
    """A failure the operator can act on; str() is the line printed on stderr."""

    def __init__(self, zh: str, en: str, code: int = BAD_INPUT) -> None:
        super().__init__(f"{zh} / {en}")
        self.code = code
