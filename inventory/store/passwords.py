"""The password rule, and no reuse of an account's last few passwords.

The rule, in words (shown on the password page): at least 12 characters; at least 6 different
characters; at least two kinds among letters, digits and other characters; not built on a
well-known password or keyboard run (password, qwerty, 123456, admin, …) and not containing the
user name. Spaces are allowed but do not make a short or repetitive password long.
"""

from __future__ import annotations

from ..errors import UsageError

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_DISTINCT = 6
KEEP = 5  # a new password may not be any of the account's last 5
RULE = f"密码至少 {MIN_LENGTH} 位，至少含 {MIN_DISTINCT} 个不同的字符，含字母、数字、符号中的两类；不能含 password、qwerty、123456、admin、sichuan 这类常见的弱密码，不能包含用户名，不能与最近 {KEEP} 次用过的密码相同。"

# lower-cased pieces that make a password guessable wherever they stand in it
COMMON = (
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "qwerty",
    "asdfgh",
    "zxcvbn",
    "qazwsx",
    "1qaz2wsx",
    "123456",
    "234567",
    "345678",
    "456789",
    "567890",
    "098765",
    "987654",
    "876543",
    "765432",
    "654321",
    "543210",
    "abcdef",
    "abc123",
    "admin",
    "root",
    "welcome",
    "iloveyou",
    "letmein",
    "111111",
    "000000",
    "888888",
    "666666",
    "woaini",
    "sichuan",
    "changeme",
    "test123",
)


def problem(password: str, username: str | None = None) -> str | None:
    """What is wrong with a new password under the rule, in Chinese; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"密码太短：至少 {MIN_LENGTH} 位（现在 {len(password)} 位）。"
    if len(password) > MAX_LENGTH:
        return f"密码太长：最多 {MAX_LENGTH} 位。"
    if len(set(password.strip())) < MIN_DISTINCT:
        return f"密码重复的字符太多：至少要有 {MIN_DISTINCT} 个不同的字符（空格不算在内）。"
    kinds = sum((any(c.isalpha() for c in password), any(c.isdigit() for c in password), any(not c.isalnum() for c in password.strip())))
    if kinds < 2:
        return "密码要含字母、数字、符号中的至少两类。"
    low = password.lower()
    common = next((w for w in COMMON if w in low), None)
    if common:
        return f"密码里有常见的弱密码“{common}”，很容易被猜到，请换一个。"
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in low:
        return "密码不能包含用户名。"
    return None


def check(password: str, username: str | None = None) -> None:
    said = problem(password, username)
    if said:
        raise UsageError(said, hint=RULE)
