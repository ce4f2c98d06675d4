"""A round's mail through `foi-sender inbox import`, against the floor of parsing it at all.

Run from the repository root: .venv/bin/python bench/inbox.py [--messages N] [--councils N]
[--runs R]

Builds a home with a round of 212 councils sent through the outbox, then an mbox of 1,000
replies to it: 60% plain-text answers (threaded, numbered answers), 25% with a 5-page PDF letter
(fpdf2), 10% with a DOCX or XLSX, 5% bounces (Postfix DSN) and out-of-office notes. Then:
(a) `foi-sender inbox import bench.mbox`, a fresh process, timed from spawn to exit, with its
    peak RSS: store every message and its attachments, classify, match, record in the ledger;
(b) the floor: one fresh process that parses every message with the stdlib email package and
    extracts the text of every PDF with the PDF library the replies reader uses now
    (detected: pypdfium2 once it replaces pypdf), and does nothing else.
The two alternate, each run of (a) in a fresh copy of the home; medians of --runs runs.
Prints messages per second, peak RSS, the floor and the ratio (a)/(b); goal <= 2, RSS < 300 MB.
"""

from __future__ import annotations

import argparse
import io
import mailbox
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from _common import FOI, PYTHON, REQUESTER, ROOT, write_home

TARGET, RSS_LIMIT_MB = 2.0, 300
SENT_AT = "2025-04-14T09:30:00+01:00"
IMPORT_AT = "2025-06-30T12:00:00+01:00"

FLOOR = """\
import email, io, mailbox, sys
from email import policy
LIBRARY = sys.argv[2]
if LIBRARY == "pypdfium2":
    import pypdfium2
    def pdf_text(data):
        pdf = pypdfium2.PdfDocument(data)
        return "".join(page.get_textpage().get_text_range() for page in pdf)
else:
    import pypdf
    def pdf_text(data):
        return "".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)
chars = 0
box = mailbox.mbox(sys.argv[1], factory=None, create=False)
for key in box.keys():
    msg = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
    for part in msg.walk():
        if part.get_content_type() == "application/pdf":
            chars += len(pdf_text(part.get_payload(decode=True)))
        elif not part.is_multipart() and part.get_content_maintype() == "text":
            chars += len(part.get_content())
print(chars)
"""

DSN = """\
From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
To: bench@example.org
Subject: Undelivered Mail Returned to Sender
Date: Mon, 14 Apr 2025 09:31:00 +0100
Message-ID: <dsn-{n}@mail.example.org>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b{n}"

--b{n}
Content-Type: text/plain

<{address}>: host said: 550 5.1.1 User unknown (in reply to RCPT TO command)

--b{n}
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.org

Final-Recipient: rfc822; {address}
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <{address}>: User unknown

--b{n}
Content-Type: text/rfc822-headers

Message-ID: {mid}

--b{n}--
"""

ANSWERS = [
    "Our ref: FOI-{n:05d}\n\nDear Bench Requester\n\nPlease find our response below.\n\n"
    "1. Name and contact for the placements manager.\nThe Head of Placements, placements@{d}.\n\n"
    "2. Generic departmental email address.\nplacements@{d}\n\n"
    "3. Do you use a framework?\nYes, the regional framework.\n\n"
    "4. Direct placements?\nBoth.\n\n"
    "5. How many children are placed on spot purchase arrangements?\n{count}\n",
    "Our reference: {n}/FOI\n\nDear Bench Requester\n\nIn response to your request, the "
    "information is not held by the council. Placements are commissioned by the county.\n",
    "Our ref: FOI-{n:05d}\n\nDear Bench Requester\n\nWe are unable to provide the names of staff; "
    "they are exempt under section 40(2).\n1. Withheld.\n2. placements@{d}.\n3. No.\n4. Both.\n"
    "5. {count}\n",
]


def pdf_letter(number: int, text: str) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_font("helvetica", size=10)
    for page in range(5):
        doc.add_page()
        doc.multi_cell(0, 5, f"Page {page + 1} of 5 - response {number}\n\n" + text * 3)
    return bytes(doc.output())


def docx_table(number: int) -> bytes:
    import docx

    doc = docx.Document()
    doc.add_paragraph(f"Our reference: FOI-{number:05d}")
    table = doc.add_table(rows=0, cols=2)
    for q, a in (("1. Manager", "Head of Placements"), ("5. Spot placements", str(number % 90))):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = q, a
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def xlsx_sheet(number: int) -> bytes:
    """A minimal SpreadsheetML workbook (what a council's spreadsheet answer looks like)."""
    out = io.BytesIO()
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>{q}</t></is></c>'
        f'<c r="B{i}" t="inlineStr"><is><t>{a}</t></is></c></row>'
        for i, (q, a) in enumerate((("Question", "Answer"), ("5", str(number % 90))), start=1)
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd'
        '.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd'
        '.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
        'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats'
        '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxml'
        'formats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats'
        '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships"><sheets><sheet name="Response" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>",
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas'
        '.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def make_mbox(path: Path, letters: list[tuple[str, str, str]], count: int) -> dict[str, int]:
    """`letters`: (council id, our Message-ID, council address) of the round."""
    rng = random.Random(13)
    box = mailbox.mbox(path)
    kinds = {"plain": 0, "pdf": 0, "docx/xlsx": 0, "bounce/auto": 0}
    start = datetime(2025, 4, 20, 9, tzinfo=UTC)
    for n in range(count):
        council, mid, address = letters[n % len(letters)]
        domain = address.rpartition("@")[2]
        text = ANSWERS[n % len(ANSWERS)].format(n=n, d=domain, count=rng.randint(1, 90))
        msg = EmailMessage()
        msg["Date"] = format_datetime(start + timedelta(minutes=53 * n))
        msg["Message-ID"] = f"<bench-{n}@{domain}>"
        share = n % 20  # 12 of 20 plain, 5 PDF, 2 DOCX/XLSX, 1 bounce or auto-reply
        if share == 19:
            kinds["bounce/auto"] += 1
            if n % 40 == 19:
                box.add(DSN.format(address=address, mid=mid, n=n).encode())
                continue
            else:
                msg["From"] = f"Officer <officer@{domain}>"
                msg["To"] = REQUESTER
                msg["Subject"] = "Automatic reply: your request"
                msg["Auto-Submitted"] = "auto-replied"
                msg.set_content("I am out of the office until Monday.")
            box.add(msg.as_bytes())
            continue
        msg["From"] = f"Information Governance <foi@{domain}>"
        msg["To"] = REQUESTER
        msg["Subject"] = f"RE: Freedom of Information request ({council})"
        msg["In-Reply-To"] = mid
        msg["References"] = mid
        if share < 12:
            kinds["plain"] += 1
            msg.set_content(text)
        elif share < 17:
            kinds["pdf"] += 1
            msg.set_content("Please find attached our response.")
            msg.add_attachment(pdf_letter(n, text), "application", "pdf", filename="response.pdf")
        else:
            kinds["docx/xlsx"] += 1
            msg.set_content("Please find attached our response.\n\n" + text)
            if share == 17:
                data, sub, name = (
                    docx_table(n),
                    "vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "response.docx",
                )
            else:
                data, sub, name = (
                    xlsx_sheet(n),
                    "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "response.xlsx",
                )
            msg.add_attachment(data, "application", sub, filename=name)
        box.add(msg.as_bytes())
    box.flush()
    return kinds


def pdf_library() -> str:
    """The PDF library foi_sender's replies reader imports today."""
    source = ROOT / "foi_sender"
    text = "".join(p.read_text() for p in source.rglob("replies*.py"))
    text += (
        "".join(p.read_text() for p in (source / "replies").rglob("*.py"))
        if (source / "replies").is_dir()
        else ""
    )
    return "pypdfium2" if "pypdfium2" in text else "pypdf"


def timed(argv: list, env: dict) -> tuple[float, float, str]:
    """Seconds from spawn to exit, the child's peak RSS in MB, and its stdout."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({process.returncode}): {text[-500:]}")
    return elapsed, usage.ru_maxrss / 1024, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--councils", type=int, default=212)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="foi-bench-inbox-") as tmp:
        home = Path(tmp) / "home"
        write_home(home, args.councils, '[send]\ntransport = "outbox"\n')
        env = {**os.environ, "FOI_SENDER_HOME": str(home), "FOI_SENDER_NOW": SENT_AT}
        subprocess.run(
            [FOI, "send", "bench", "--all", "--yes"], env=env, check=True, capture_output=True
        )
        with sqlite3.connect(home / "foi.sqlite") as db:
            letters = db.execute(
                "SELECT q.council_id, m.message_id, m.to_address FROM messages m"
                " JOIN requests q ON q.id = m.request_id ORDER BY q.council_id"
            ).fetchall()
        mbox = Path(tmp) / "bench.mbox"
        kinds = make_mbox(mbox, letters, args.messages)
        size = mbox.stat().st_size / 1e6
        print(f"mbox: {args.messages} messages, {size:.1f} MB ({kinds}), round of {len(letters)}")
        library = pdf_library()
        env["FOI_SENDER_NOW"] = IMPORT_AT
        imports, floors, rss_peak = [], [], 0.0
        for run in range(args.runs):
            # Alternate, so a busy moment of the machine hits both sides alike.
            floor, floor_rss, _ = timed([PYTHON, "-c", FLOOR, str(mbox), library], env)
            fresh = Path(tmp) / f"home-{run}"
            shutil.copytree(home, fresh)
            took, rss, out = timed(
                [FOI, "inbox", "import", str(mbox)], {**env, "FOI_SENDER_HOME": str(fresh)}
            )
            floors.append(floor)
            imports.append(took)
            rss_peak = max(rss_peak, rss)
        summary = next((x for x in out.splitlines() if " message(s): " in x), "")
        again, _, out2 = timed(
            [FOI, "inbox", "import", str(mbox)], {**env, "FOI_SENDER_HOME": str(fresh)}
        )
        took, floor = statistics.median(imports), statistics.median(floors)
        print(
            f"inbox import:    {took:6.2f} s  {args.messages / took:6.1f} messages/s  "
            f"peak RSS {rss_peak:5.0f} MB   ({summary})"
        )
        print(
            f"floor ({library}): {floor:6.2f} s  {args.messages / floor:6.1f} messages/s  "
            f"peak RSS {floor_rss:5.0f} MB   (stdlib email parse + PDF text)"
        )
        print(
            f"medians of {args.runs} runs; ratio {took / floor:.2f} (goal <= {TARGET}); peak RSS "
            f"{rss_peak:.0f} MB (goal < {RSS_LIMIT_MB}); re-import of the same mbox: {again:.2f} s,"
            f" {out2.strip().splitlines()[-1]}"
        )


if __name__ == "__main__":
    main()
