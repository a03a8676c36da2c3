"""Portal accounts: units, reviewers and admins; passwords hashed with argon2id; one-time codes.

A unit's account is made when the office first issues it a code. A code is shown once, stored only
as a hash, used once and expires; signing in with it asks the unit to set a password. Nothing here
knows about HTTP: the web app calls these functions, and so could a script.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from ..errors import UsageError
from . import passwords, sessions
from .models import AccessCode, Account, PasswordHistory, Unit

ROLES = ("unit", "reviewer", "admin")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
CODE_DAYS = 14
MIN_PASSWORD = passwords.MIN_LENGTH


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # SQLite gives naive datetimes back


def _hasher():  # type: ignore[no-untyped-def]
    from argon2 import PasswordHasher

    return PasswordHasher()  # argon2id with the library's current parameters


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _code_hash(code: str) -> str:
    """Codes are random (59 bits) and short-lived: a plain hash suffices, and makes lookup direct."""
    return hashlib.sha256("".join(c for c in code if c.isalnum()).upper().encode()).hexdigest()  # typed with spaces or dashes alike


def first_password(username: str) -> str:
    """An initial password, shown once and read aloud or pasted: letters and digits in four groups
    joined by dashes (never one at the start, where a shell or a form reads it as an option), that
    passes the password rules for this user."""
    alphabet = CODE_ALPHABET + CODE_ALPHABET.lower().replace("l", "")
    password = ""
    while passwords.problem(password, username):  # (a random one could, rarely, hold "root")
        password = "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
    return password


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def as_dict(a: Account, unit: str | None = None) -> dict[str, Any]:
    return {
        "id": a.id,
        "username": a.username,
        "role": a.role,
        "unit": unit,
        "unit_id": a.unit_id,
        "active": a.active,
        "has_password": a.password_hash is not None,
        "pw": _aware(a.password_set_at).isoformat() if a.password_set_at else "-",  # changes with the password
        "password_set_at": _aware(a.password_set_at) if a.password_set_at else None,
        "must_change": bool(a.must_change),
    }


def check_password_rule(password: str, username: str | None = None) -> None:
    passwords.check(password, username)


def _unit_username(short_name: str) -> str:
    """A unit's user name: its short name and four random characters, so names cannot be guessed
    from the roster (it is shown to the office with the code, and to the unit once signed in)."""
    return f"{short_name}-{''.join(secrets.choice(CODE_ALPHABET) for _ in range(4))}"


def create_account(
    engine: Engine, username: str, role: str, unit: str | None = None, password: str | None = None, must_change: bool = False
) -> dict[str, Any]:
    """A new account; with `must_change` its holder must choose a new password at first sign-in
    (the first admin; accounts an admin made with a password the admin knows)."""
    if role not in ROLES:
        raise UsageError(f"角色只能是 {'、'.join(ROLES)}。")
    username = username.strip()
    if not username or len(username) > 100:
        raise UsageError("用户名不能为空，最长 100 个字符。")
    if password is not None:
        check_password_rule(password, username)
    with Session(engine) as s, s.begin():
        if s.scalar(select(Account.id).where(Account.username == username)):
            raise UsageError(f"用户名“{username}”已存在。")
        unit_id = None
        if role == "unit" or unit is not None:  # an office account may carry a node: it sees that node's part only
            unit_id = s.scalar(select(Unit.id).where(Unit.name == unit))
            if unit_id is None:
                raise UsageError(f"名册中没有单位“{unit}”。")
        a = Account(
            username=username,
            role=role,
            unit_id=unit_id,
            password_hash=hash_password(password) if password else None,
            created_at=_now(),
            password_set_at=_now() if password else None,
            must_change=bool(password and must_change),
        )
        s.add(a)
        s.flush()
        if a.password_hash:
            s.add(PasswordHistory(account_id=a.id, password_hash=a.password_hash, set_at=_now()))
        return as_dict(a, unit)


def province_admins(engine: Engine) -> list[str]:
    """Usernames of the active admins of the whole tree (an admin carrying no node): who signs in as
    the province. An admin of a 市(州) or 区(县) made before the portal's first start is not one."""
    q = select(Account.username).where(Account.role == "admin", Account.unit_id.is_(None), Account.active.is_(True))
    with engine.connect() as conn:
        return list(conn.scalars(q.order_by(Account.id)))


def ensure_admin(engine: Engine) -> tuple[str, str] | None:
    """The province's first admin, made on the portal's start when there is no active one (office
    accounts of a part of the tree may exist already, made from the CLI): (username, password), shown
    once; None when one exists already (`province_admins` names it)."""
    if province_admins(engine):
        return None
    with engine.connect() as conn:
        taken = set(conn.scalars(select(Account.username).where(Account.username.like("admin%"))))
    username = next(n for n in ("admin", *(f"admin{i}" for i in range(2, 1000))) if n not in taken)
    password = first_password(username)
    create_account(engine, username, "admin", password=password, must_change=True)
    return username, password


def authenticate(engine: Engine, username: str, password: str) -> dict[str, Any] | None:
    from argon2.exceptions import InvalidHashError, VerificationError

    with Session(engine) as s, s.begin():
        a = s.scalar(select(Account).where(Account.username == username.strip()))
        if a is None or not a.active or not a.password_hash:
            _hasher().hash(password)  # the same work whether or not the account exists
            return None
        try:
            _hasher().verify(a.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if _hasher().check_needs_rehash(a.password_hash):
            a.password_hash = hash_password(password)
        return account(engine, a.id, session=s)


def account(engine: Engine, account_id: int, session: Session | None = None) -> dict[str, Any] | None:
    s = session or Session(engine)
    try:
        row = s.execute(
            select(Account, Unit.name).join(Unit, Account.unit_id == Unit.id, isouter=True).where(Account.id == account_id)
        ).first()
        return as_dict(row[0], row[1]) if row and row[0].active else None
    finally:
        if session is None:
            s.close()


def accounts(engine: Engine) -> list[dict[str, Any]]:
    with Session(engine) as s:
        rows = s.execute(
            select(Account, Unit.name).join(Unit, Account.unit_id == Unit.id, isouter=True).order_by(Account.role, Account.username)
        )
        return [as_dict(a, name) for a, name in rows]


def issue_code(engine: Engine, unit: str, created_by: str | None, days: int = CODE_DAYS) -> dict[str, Any]:
    """A new one-time code for a unit's account (made on first issue). Earlier unused codes are revoked."""
    with Session(engine) as s, s.begin():
        unit_row = s.execute(select(Unit.id, Unit.short_name).where(Unit.name == unit)).first()
        if unit_row is None:
            raise UsageError(f"名册中没有单位“{unit}”。")
        a = s.scalar(select(Account).where(Account.unit_id == unit_row.id, Account.role == "unit"))
        if a is None:
            a = Account(username=_unit_username(unit_row.short_name), role="unit", unit_id=unit_row.id, created_at=_now())
            while s.scalar(select(Account.id).where(Account.username == a.username)):
                a.username = _unit_username(unit_row.short_name)
            s.add(a)
            s.flush()
        a.active = True
        s.execute(update(AccessCode).where(AccessCode.account_id == a.id, AccessCode.used_at.is_(None)).values(revoked=True))
        code = new_code()
        expires = _now() + dt.timedelta(days=days)
        s.add(AccessCode(account_id=a.id, code_hash=_code_hash(code), expires_at=expires, created_by=created_by, created_at=_now()))
        return {"unit": unit, "username": a.username, "account_id": a.id, "code": code, "expires_at": expires.isoformat(timespec="minutes")}


def redeem_code(engine: Engine, code: str) -> dict[str, Any] | None:
    """The account a valid code signs in, the code spent; None for a wrong, used, revoked or expired code."""
    with Session(engine) as s, s.begin():
        q = select(AccessCode).where(AccessCode.code_hash == _code_hash(code))
        if s.get_bind().dialect.name == "postgresql":
            q = q.with_for_update()
        c = s.scalar(q)
        if c is None or c.used_at is not None or c.revoked or _aware(c.expires_at) < _now():
            return None
        c.used_at = _now()
        return account(engine, c.account_id, session=s)


def set_password(engine: Engine, account_id: int, password: str, keep_session: str | None = None) -> None:
    """A new password under the rule, none of the account's last few; every session of the account
    ends but `keep_session` (the browser that changed it)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    with Session(engine) as s:
        a = s.get(Account, account_id)
        if a is None:
            raise UsageError("账号不存在。")
        check_password_rule(password, a.username)
        earlier = s.scalars(
            select(PasswordHistory.password_hash)
            .where(PasswordHistory.account_id == account_id)
            .order_by(PasswordHistory.set_at.desc(), PasswordHistory.id.desc())
            .limit(passwords.KEEP)
        ).all()
    for old in earlier:
        try:
            if _hasher().verify(old, password):
                raise UsageError(f"新密码不能与最近 {passwords.KEEP} 次用过的密码相同。", hint=passwords.RULE)
        except (VerificationError, InvalidHashError):
            pass
    with Session(engine) as s, s.begin():
        a = s.get(Account, account_id)
        a.password_hash = hash_password(password)
        a.password_set_at = _now()
        a.must_change = False
        s.add(PasswordHistory(account_id=account_id, password_hash=a.password_hash, set_at=a.password_set_at))
    sessions.end_all(engine, account_id, keep=keep_session)


def revoke(engine: Engine, account_id: int) -> None:
    """Close an account: it can no longer sign in, its codes are void, and its sessions end (checked per request)."""
    with Session(engine) as s, s.begin():
        a = s.get(Account, account_id)
        if a is None:
            raise UsageError("账号不存在。")
        a.active = False
        s.execute(update(AccessCode).where(AccessCode.account_id == account_id, AccessCode.used_at.is_(None)).values(revoked=True))
    sessions.end_all(engine, account_id)


def reset_password(engine: Engine, account_id: int, created_by: str | None) -> dict[str, Any]:
    """Clear an account's password and issue a fresh code (a unit that forgot its password)."""
    with Session(engine) as s, s.begin():
        row = s.execute(
            select(Account, Unit.name).join(Unit, Account.unit_id == Unit.id, isouter=True).where(Account.id == account_id)
        ).first()
        if row is None:
            raise UsageError("账号不存在。")
        a, unit = row
        if a.role != "unit":
            raise UsageError("只有单位账号用一次性登录码重置；项目办账号请由管理员重新创建。")
        a.password_hash = None
        a.password_set_at = None
    sessions.end_all(engine, account_id)
    return issue_code(engine, unit, created_by)
