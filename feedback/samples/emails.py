"""A sample support mailbox for Brightmoor: an mbox export and a maildir.

Threads of customer emails (the comments come from
:func:`feedback.samples.company.compose_comment`, so they carry the same themes
as the surveys) with staff replies from ``@brightmoor.co.uk`` quoting them,
follow-ups quoting the staff reply, signatures with names and phone numbers,
a legal disclaimer, an HTML-only message, a forwarded courier message, an
out-of-office auto-reply, a bounce and a newsletter. Every random choice comes
from the seed, so the same seed writes the same bytes.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime, formataddr
from pathlib import Path

from feedback.samples.company import (
    AGENTS,
    COMPLAINTS,
    PRAISE,
    Customer,
    compose_comment,
    make_customers,
    phone_number,
)

DOMAIN = "brightmoor.co.uk"
SUPPORT = formataddr(("Brightmoor Support", f"support@{DOMAIN}"))
START = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
DAYS = 230
THREADS = 48
GREETINGS = ("Hi,", "Hello,", "Hi there,", "Dear Brightmoor,", "Hello Brightmoor team,", "")
SIGN_OFFS = ("Thanks,", "Kind regards,", "Cheers,", "Best wishes,", "Regards,", "Many thanks,")
DISCLAIMER = (
    "This email and any attachments are confidential and intended solely for the addressee. "
    "If you are not the intended recipient, please delete it and notify the sender."
)


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def message_id(self) -> str:
        self.count += 1
        return f"<{self.count:05d}.{self.rng.getrandbits(40):010x}@mail.example>"


def _message(
    writer: _Writer, sender: str, to: str, subject: str, body: str, when: datetime,
    reply_to: EmailMessage | None = None, headers: dict[str, str] | None = None, html: bool = False,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = writer.message_id()
    if reply_to is not None:
        parent = str(reply_to["Message-ID"])
        refs = str(reply_to.get("References", "")).split()
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join([*refs, parent])
    for name, value in (headers or {}).items():
        msg[name] = value
    if html:
        paragraphs = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in body.split("\n\n"))
        msg.set_content(f"<html><body>{paragraphs}</body></html>", subtype="html")
    else:
        msg.set_content(body)
    return msg


def _quote(msg: EmailMessage, who: str) -> str:
    part = msg.get_body(("plain", "html"))
    text = part.get_content() if part is not None else ""
    when = str(msg["Date"])
    quoted = "\n".join("> " + line if line else ">" for line in text.rstrip().split("\n"))
    return f"On {when}, {who} wrote:\n{quoted}\n"


def _signature(rng: random.Random, person: Customer) -> str:
    lines = [rng.choice(SIGN_OFFS), person.name if rng.random() < 0.7 else person.first]
    if rng.random() < 0.35:
        lines.append(f"Mob: {phone_number(rng)}")
    if rng.random() < 0.08:
        lines.append("")
        lines.append(DISCLAIMER)
    return "\n".join(lines)


def _customer_body(rng: random.Random, person: Customer, when: date, quoted: str = "") -> str:
    polarity = rng.random()
    pool = COMPLAINTS if polarity < 0.75 else PRAISE
    themes = rng.sample(pool, 2 if rng.random() < 0.25 else 1)
    comment = compose_comment(rng, themes, when=when, context="support", emoji=False, personal=0.15)
    greeting = rng.choice(GREETINGS)
    body = (greeting + "\n\n" if greeting else "") + comment.text + "\n\n" + _signature(rng, person) + "\n"
    if rng.random() < 0.2:
        body += "\nSent from my iPhone\n"
    return body + ("\n" + quoted if quoted else "")


def _staff_body(rng: random.Random, agent: str, customer: Customer, quoted: str) -> str:
    opening = rng.choice((
        f"Hi {customer.first},\n\nThank you for getting in touch, and I'm sorry to hear about this.",
        f"Dear {customer.first},\n\nThanks for your email. I've looked into your order.",
        f"Hello {customer.first},\n\nThanks for letting us know.",
    ))
    action = rng.choice((
        "I've refunded the delivery charge to your original payment method.",
        "I've passed this on to the team and added a £5 voucher to your account.",
        "Our delivery team will call you to arrange a new slot.",
        "Please reply with your order number and we'll sort it out straight away.",
    ))
    return f"{opening}\n\n{action}\n\nKind regards,\n{agent}\nBrightmoor Customer Care\n\n{quoted}"


def _auto_reply(writer: _Writer, person: Customer, when: datetime, parent: EmailMessage) -> EmailMessage:
    body = (f"I am out of the office until {(when + timedelta(days=7)).strftime('%d %B')} "
            f"with limited access to email.\n\n{person.name}\n")
    return _message(writer, formataddr((person.name, person.email)), SUPPORT,
                    f"Automatic reply: {parent['Subject']}", body, when, parent,
                    {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"})


def _bounce(writer: _Writer, when: datetime) -> EmailMessage:
    raw = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
        f"To: support@{DOMAIN}\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        f"Date: {format_datetime(when)}\n"
        f"Message-ID: {writer.message_id()}\n"
        "Auto-Submitted: auto-replied\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        "--b1\nContent-Type: text/plain; charset=us-ascii\n\n"
        "This is the mail system at host mx.example.\n\n"
        "I'm sorry to have to inform you that your message could not be delivered.\n\n"
        "--b1\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; gone@example.net\n"
        "Action: failed\nStatus: 5.1.1\n\n--b1--\n"
    )
    msg = message_from_bytes(raw.encode("ascii"), policy=default_policy)
    assert isinstance(msg, EmailMessage)
    return msg


def _newsletter(writer: _Writer, when: datetime) -> EmailMessage:
    body = ("This week at Brightmoor: autumn vegetables, 20% off homeware, and Brightmoor Plus members get "
            "free delivery all weekend.\n\nUnsubscribe: https://brightmoor.example/unsubscribe\n")
    return _message(writer, formataddr(("Brightmoor News", f"news@{DOMAIN}")), "customers@example.com",
                    "Your week at Brightmoor", body, when,
                    headers={"List-Unsubscribe": "<https://brightmoor.example/unsubscribe>",
                             "Precedence": "bulk"})


def _forwarded(writer: _Writer, rng: random.Random, person: Customer, when: datetime) -> EmailMessage:
    note = ("Hello,\n\nThis is the message your courier sent me yesterday. Nobody came, and now the "
            "parcel is back at the depot. Not good enough.\n\n" + _signature(rng, person))
    courier = ("---------- Forwarded message ---------\nFrom: Courier Updates <updates@courier.example>\n"
               f"Date: {format_datetime(when - timedelta(days=1))}\nSubject: We missed you\n"
               f"To: {person.email}\n\nDear {person.first},\n\nWe tried to deliver your parcel today but "
               "nobody was home. Call 0113 496 0000 to rearrange.\n")
    return _message(writer, formataddr((person.name, person.email)), SUPPORT,
                    "Fwd: We missed you", note + "\n\n" + courier, when)


def _threads(rng: random.Random) -> tuple[list[EmailMessage], dict[str, int]]:
    writer = _Writer(rng)
    customers = make_customers(rng, THREADS)
    messages: list[EmailMessage] = []
    counts = {"threads": 0, "customer_messages": 0, "staff_replies": 0, "skippable": 0}
    for index, person in enumerate(customers):
        when = START + timedelta(days=rng.uniform(0, DAYS), hours=rng.uniform(0, 10))
        sender = formataddr((person.name, person.email))
        subject = rng.choice(("Problem with my order", "Delivery", "Your app", "Refund request", "Feedback",
                              "Question about Brightmoor Plus", "Missing items", "Thank you!"))
        first = _message(writer, sender, SUPPORT, subject, _customer_body(rng, person, when.date()), when,
                         html=index % 17 == 5)
        messages.append(first)
        counts["threads"] += 1
        counts["customer_messages"] += 1
        if index % 13 == 7:
            messages.append(_auto_reply(writer, person, when + timedelta(minutes=3), first))
            counts["skippable"] += 1
        if rng.random() < 0.7:
            agent = rng.choice(AGENTS)
            reply_at = when + timedelta(hours=rng.uniform(0.5, 72))
            staff = _message(writer, formataddr((f"{agent} at Brightmoor", f"support@{DOMAIN}")), sender,
                             f"Re: {subject}", _staff_body(rng, agent, person, _quote(first, person.name)),
                             reply_at, first)
            messages.append(staff)
            counts["staff_replies"] += 1
            if rng.random() < 0.35:
                follow_at = reply_at + timedelta(hours=rng.uniform(1, 48))
                body = _customer_body(rng, person, follow_at.date(), _quote(staff, f"{agent} at Brightmoor"))
                messages.append(_message(writer, sender, SUPPORT, f"Re: {subject}", body, follow_at, staff))
                counts["customer_messages"] += 1
    extra = customers[0]
    messages.append(_forwarded(writer, rng, extra, START + timedelta(days=40)))
    counts["customer_messages"] += 1
    messages.append(_bounce(writer, START + timedelta(days=12)))
    messages.append(_newsletter(writer, START + timedelta(days=30)))
    counts["skippable"] += 2
    messages.sort(key=_date)
    return messages, counts


def _date(msg: EmailMessage) -> datetime:
    from email.utils import parsedate_to_datetime

    return parsedate_to_datetime(str(msg["Date"]))


def _bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=default_policy)


def write_mbox(path: Path, messages: list[EmailMessage]) -> None:
    """An mboxrd file: 'From ' separators, body lines starting with 'From ' escaped."""
    with path.open("wb") as out:
        for msg in messages:
            stamp = _date(msg).strftime("%a %b %d %H:%M:%S %Y")
            out.write(f"From support@{DOMAIN} {stamp}\n".encode())
            for line in _bytes(msg).split(b"\n"):
                out.write((b">" + line if line.lstrip(b">").startswith(b"From ") else line) + b"\n")


def write_maildir(root: Path, messages: list[EmailMessage], seed: int) -> None:
    """A maildir: read messages in cur/ (flag S), the newest few still in new/."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for index, msg in enumerate(messages):
        stamp = int(_date(msg).timestamp())
        unique = f"{stamp}.M{index:04d}P{seed % 100000}.brightmoor-mail"
        target = root / "new" / unique if index >= len(messages) - 3 else root / "cur" / f"{unique}:2,S"
        target.write_bytes(_bytes(msg).replace(b"\n", b"\r\n"))


def generate_emails(out_dir: Path, seed: int) -> dict[str, int]:
    """Write ``out_dir/email/support.mbox`` and ``out_dir/email/maildir``; returns counts."""
    rng = random.Random(seed * 7919 + 4)
    messages, counts = _threads(rng)
    folder = out_dir / "email"
    folder.mkdir(parents=True, exist_ok=True)
    # Older mail was exported to an mbox; the live mailbox (maildir) holds the rest.
    cut = len(messages) // 2
    write_mbox(folder / "support.mbox", messages[:cut])
    write_maildir(folder / "maildir", messages[cut:], seed)
    return {
        "email_messages": len(messages),
        "email_mbox": cut,
        "email_maildir": len(messages) - cut,
        "email_threads": counts["threads"],
        "email_customer_messages": counts["customer_messages"],
        "email_staff_replies": counts["staff_replies"],
        "email_skippable": counts["skippable"],
    }
