"""Sending the PDF by mail: smtplib with the ERQI_SMTP_* settings; a failure is a ReportError (exit 3)."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from .errors import MAIL_FAILED, ReportError

TIMEOUT_SECONDS = 60
ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+$")  # one plain address: no display name, no header tricks


def check_addresses(addresses: list[str]) -> list[str]:
    """The --mail-to addresses, stripped; ReportError (bad input, exit 2) for anything but a plain address."""
    out = [a.strip() for a in addresses]
    bad = [a for a in out if not ADDRESS.match(a)]
    if bad:
        raise ReportError(f"收件地址无效：{bad[0]!r}", f"not a mail address: {bad[0]!r}")
    return out


def settings() -> dict:
    """ERQI_SMTP_HOST (required), _PORT (25), _USER, _PASSWORD, _FROM (required, or _USER), _STARTTLS (0/1)."""
    env = os.environ
    host = env.get("ERQI_SMTP_HOST", "").strip()
    user = env.get("ERQI_SMTP_USER", "").strip()
    sender = env.get("ERQI_SMTP_FROM", "").strip() or user
    if not host or not sender:
        missing = "ERQI_SMTP_HOST" if not host else "ERQI_SMTP_FROM"
        raise ReportError(f"邮件未发送：未设置 {missing}", f"mail not sent: {missing} is not set", MAIL_FAILED)
    try:
        port = int(env.get("ERQI_SMTP_PORT", "").strip() or 25)
    except ValueError as exc:
        raise ReportError(
            "邮件未发送：ERQI_SMTP_PORT 不是端口号", "mail not sent: ERQI_SMTP_PORT is not a port", MAIL_FAILED
        ) from exc
    return {
        "host": host,
        "port": port,
        "user": user,
        "password": env.get("ERQI_SMTP_PASSWORD", ""),
        "sender": sender,
        "starttls": env.get("ERQI_SMTP_STARTTLS", "0").strip().lower() in ("1", "true", "yes", "on"),
    }


def message(pdf: Path, sender: str, recipients: list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text mail with the PDF attached under its own (ASCII) file name."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, ", ".join(recipients), subject
    msg.set_content(body)
    msg.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return msg


def send(pdf: Path, recipients: list[str], subject: str, body: str) -> None:
    """Mail the PDF to recipients; ReportError (exit 3) when it cannot go."""
    cfg = settings()
    msg = message(pdf, cfg["sender"], recipients, subject, body)
    where = f"{cfg['host']}:{cfg['port']}"
    try:
        with smtplib.SMTP(cfg["host"], cfg["port"], timeout=TIMEOUT_SECONDS) as smtp:
            if cfg["starttls"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["user"]:
                smtp.login(cfg["user"], cfg["password"])
            refused = smtp.send_message(msg, from_addr=cfg["sender"], to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as exc:
        detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc.__class__.__name__
        raise ReportError(
            f"邮件发送失败（{where}）：{detail}", f"mail failed ({where}): {detail}", MAIL_FAILED
        ) from exc
    if refused:  # some recipients accepted, others not: say which did not get it
        names = ", ".join(sorted(refused))
        raise ReportError(f"部分收件人被拒收：{names}", f"recipients refused: {names}", MAIL_FAILED)
