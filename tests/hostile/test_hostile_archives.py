"""Hostile reply files: zip bombs dressed as Word, Excel and OpenDocument files, an archive whose
directory lies, a PDF of too many pages, text too long to read, a folder, a FIFO.

Each is refused by `read-reply` (and by `respond --file`, which reads the same way) with one
line, quickly, in bounded memory, and the home is left as it was."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from bombs import dense_member, docx_bomb, future_zip_version, lying_directory, xlsx_bomb
from hostile_support import FOI_SENDER

TIME_LIMIT = 2.0  # seconds, interpreter start included
RSS_LIMIT_MB = 200


def measured(home: Path, *args: str) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run the console script; its result, wall time and peak RSS (MB) of that one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [FOI_SENDER, "--home", str(home), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in every earlier child)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    return result, elapsed, usage.ru_maxrss / 1024  # Linux reports KB


BOMBS = {
    "docx-100MB-of-xml": (lambda p: docx_bomb(p / "reply.docx"), "zip bomb"),
    "xlsx-100MB-of-rows": (lambda p: xlsx_bomb(p / "answers.xlsx"), "zip bomb"),
    "docx-dense-member": (lambda p: dense_member(p / "reply.docx"), "compressed 1,0"),
    "docx-directory-lies": (lambda p: lying_directory(p / "reply.docx"), "CRC|size"),
}


@pytest.mark.parametrize("make, mentions", BOMBS.values(), ids=BOMBS.keys())
def test_zip_bomb_refused_fast_in_bounded_memory(hhome, snap, refused, tmp_path, make, mentions):
    path = make(tmp_path)
    assert path.stat().st_size < 400_000  # small on disk
    before = snap(hhome)
    result, seconds, rss_mb = measured(hhome, "read-reply", str(path))
    refused(result, before, hhome, mentions)
    assert seconds < TIME_LIMIT, f"took {seconds:.2f} s"
    assert rss_mb < RSS_LIMIT_MB, f"peak RSS {rss_mb:.0f} MB"


def test_respond_with_a_bomb_records_nothing(hhome, run, snap, refused, tmp_path):
    path = docx_bomb(tmp_path / "reply.docx", xml_mb=30)
    before = snap(hhome)
    refused(run("respond", "r1", "leicester", "--file", str(path)), before, hhome, "zip bomb")
    assert not (hhome / "replies").exists()


def test_pdf_with_too_many_pages(hhome, run, snap, refused, tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(501):
        pdf.add_page()
    path = tmp_path / "reply.pdf"
    path.write_bytes(bytes(pdf.output()))
    before = snap(hhome)
    refused(run("read-reply", str(path)), before, hhome, "501 pages")


def test_text_too_long_to_read(hhome, run, snap, refused, tmp_path):
    path = tmp_path / "reply.txt"
    path.write_text("1. How many? 62\n" * 70_000, encoding="utf-8")  # 1.1 million characters
    before = snap(hhome)
    refused(run("read-reply", str(path)), before, hhome, "more than 1,000,000 characters")


def test_file_too_large(hhome, run, snap, refused, tmp_path):
    path = tmp_path / "reply.eml"
    with path.open("wb") as f:  # sparse: 41 MB on paper, nothing on disk
        f.truncate(41 * 1024 * 1024)
    before = snap(hhome)
    refused(run("read-reply", str(path)), before, hhome, "too large")


def test_zip_of_an_unknown_version(hhome, run, snap, refused, tmp_path):
    """Found by the fuzz test: zipfile raises NotImplementedError, not BadZipFile, for it."""
    reply = future_zip_version(tmp_path / "reply.docx")
    before = snap(hhome)
    refused(run("read-reply", str(reply)), before, hhome, "not a readable")


def test_a_folder_is_called_a_folder(hhome, run, snap, refused, tmp_path):
    folder = tmp_path / "replies"
    folder.mkdir()
    before = snap(hhome)
    out = refused(run("read-reply", str(folder)), before, hhome, "is a folder")
    assert "suffix" not in out.stderr


def test_a_fifo_is_not_read(hhome, snap, refused, tmp_path, cli_subprocess):
    fifo = tmp_path / "reply.txt"
    os.mkfifo(fifo)
    before = snap(hhome)
    refused(cli_subprocess(hhome, "read-reply", str(fifo), timeout=10), before, hhome, "regular")


def test_billion_laughs_in_odt(hhome, run, snap, refused, tmp_path):
    """Entity expansion inside a small content.xml: expat's own limit refuses it."""
    import zipfile

    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    content = f'<?xml version="1.0"?><!DOCTYPE d [{lol}]><d>&l9;</d>'
    path = tmp_path / "reply.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("content.xml", content)
    before = snap(hhome)
    refused(run("read-reply", str(path)), before, hhome, "not a readable OpenDocument")


def test_read_reply_template_that_is_a_path(hhome, run, snap, refused):
    (hhome.parent / "evil.questions.yaml").write_text("questions: [{name: q1_a, type: email}]\n")
    before = snap(hhome)
    reply = str(Path(__file__).parents[1] / "fixtures" / "replies" / "coventry-2025.txt")
    refused(
        run("read-reply", reply, "--template", "../../evil"), before, hhome, "looks like a path"
    )


def test_read_reply_template_without_a_schema(hhome, run, snap, refused):
    before = snap(hhome)
    reply = str(Path(__file__).parents[1] / "fixtures" / "replies" / "coventry-2025.txt")
    refused(
        run("read-reply", reply, "--template", "ico_complaint"), before, hhome, "no question schema"
    )
