"""Request rules: the API's text rules (libs/guestbook), so both languages accept the same."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TEXT_MAX = 280
BATCH_MAX = 64

# JavaScript's String.prototype.trim set (white space and line terminators);
# str.strip() differs on a few characters (U+001C-U+001F, U+FEFF).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# C0 and C1 control characters, DEL, and the Unicode line/paragraph separators.
_CONTROL = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029]")


@dataclass(frozen=True)
class FieldViolation:
    field: str
    code: str
    message: str


@dataclass
class AppError(Exception):
    """An error from Fig's catalogue (libs/errors): a stable code, a message, field violations."""

    code: str
    message: str
    fields: list[FieldViolation] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message


def check_text(raw: str, name: str, violations: list[FieldViolation]) -> str:
    """The trimmed text, or '' with a violation added."""
    value = raw.strip(_JS_WHITESPACE)
    if not value:
        violations.append(FieldViolation(name, "REQUIRED", f"{name} must not be blank"))
    elif len(value) > TEXT_MAX:
        # len() counts code points, as a person counts characters (an emoji is one).
        message = f"{name} must be at most {TEXT_MAX} characters"
        violations.append(FieldViolation(name, "TOO_LONG", message))
    elif _CONTROL.search(value):
        message = f"{name} must not contain control characters"
        violations.append(FieldViolation(name, "CONTROL_CHARACTERS", message))
    return value


def _raise_if_any(violations: list[FieldViolation]) -> None:
    if violations:
        message = "; ".join(v.message for v in violations)
        raise AppError("VALIDATION_FAILED", message, violations)


def valid_text(raw: str) -> str:
    violations: list[FieldViolation] = []
    text = check_text(raw, "text", violations)
    _raise_if_any(violations)
    return text


def valid_texts(raw: list[str]) -> list[str]:
    """Every text of a batch, trimmed; every bad one is reported at once."""
    violations: list[FieldViolation] = []
    texts: list[str] = []
    if not raw:
        violations.append(
            FieldViolation("texts", "REQUIRED", f"texts must hold 1-{BATCH_MAX} texts")
        )
    elif len(raw) > BATCH_MAX:
        message = f"texts must hold at most {BATCH_MAX} texts"
        violations.append(FieldViolation("texts", "TOO_MANY", message))
    else:
        texts = [check_text(t, f"texts[{i}]", violations) for i, t in enumerate(raw)]
    _raise_if_any(violations)
    return texts
