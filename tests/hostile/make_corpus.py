#!/usr/bin/env python3
"""Writes the committed part of the hostile-input corpus (tests/hostile/corpus).

Usage: make_corpus.py  (run from anywhere; writes next to this script)

Cases too large or too odd to commit (a 100 MB file, deep folder trees,
symlink loops, a FIFO, an unreadable file, a 2 MB line) are made by the
tests in their temp dir; cases.tsv lists every case with its expected outcome.
"""
import io
import os
import shutil
import tarfile
import zipfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
out = os.path.join(here, 'corpus')
shutil.rmtree(out, ignore_errors=True)
for d in ['good', 'dup', 'encodings', 'binary', 'archives', 'formats']:
    os.makedirs(os.path.join(out, d))


def write(rel, data):
    with open(os.path.join(out, rel), 'wb') as f:
        f.write(data)


sample = open(os.path.join(root, 'samples/reports/001_3ed92bd71da045e5.txt'), 'rb').read()
sample2 = open(os.path.join(root, 'samples/reports/002_a6fefeade6ba0466.txt'), encoding='utf-8').read()
short = '石门镇2023年法治政府建设工作报告\n一、主要成效\n全年开展普法宣传活动{n}场次，调解矛盾纠纷{m}件。\n'

write('good/report.txt', sample)
write('good/report_gb18030.txt', sample2.encode('gb18030'))
write('dup/copy_of_report.txt', sample)                       # same bytes as good/report.txt
write('dup/report_crlf.txt', sample.replace(b'\n', b'\r\n'))  # same text once line endings are normalised

write('empty.txt', b'')
write('blank.txt', b'  \n\t\n\r\n')
write('encodings/utf16le_bom.txt', b'\xff\xfe' + short.format(n=1, m=2).encode('utf-16-le'))
write('encodings/utf16be_bom.txt', b'\xfe\xff' + short.format(n=3, m=4).encode('utf-16-be'))
write('encodings/utf16le_nobom.txt', short.format(n=5, m=6).encode('utf-16-le'))
write('encodings/utf8_bom.txt', b'\xef\xbb\xbf' + short.format(n=7, m=8).encode('utf-8'))
write('encodings/invalid_utf8.txt', short.format(n=9, m=10).encode('utf-8') + b'\xc3\x28\xa0\xa1\xe2\x28\xa1')
gb = short.format(n=11, m=12).encode('gb18030')
write('encodings/truncated_gb18030.txt', gb + '调解'.encode('gb18030')[:-1])  # cut inside the last character
write('encodings/nul_bytes.txt', short.format(n=13, m=14).encode('utf-8').replace('。'.encode(), b'\x00\x00'))

write('binary/pdf_named.txt', open(os.path.join(root, 'tests/services/ingest/testdata/scanned.pdf'), 'rb').read())
write('binary/image_named.txt', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + bytes(range(256)))
write('binary/jpeg_named.txt', b'\xff\xd8\xff\xe0\x00\x10JFIF\x00' + bytes(200))
write('binary/elf_named.txt', b'\x7fELF\x02\x01\x01' + bytes(range(256)) * 4)
shutil.copy(os.path.join(root, 'tests/services/ingest/testdata/legacy.doc'), os.path.join(out, 'formats/report.doc'))
shutil.copy(os.path.join(root, 'tests/services/ingest/testdata/legacy.doc'), os.path.join(out, 'formats/disguised.txt'))
shutil.copy(os.path.join(root, 'tests/services/ingest/testdata/sample000.docx'), os.path.join(out, 'formats/report.docx'))


def zip_bytes(entries, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', method) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, data)
    return buf.getvalue()


write('archives/reports.zip', zip_bytes([('a/report1.txt', short.format(n=21, m=22).encode()),
                                         ('a/report2.txt', short.format(n=23, m=24).encode('gb18030'))]))
write('archives/traversal.zip', zip_bytes([('../evil.txt', b'escape'), ('/etc/abs.txt', b'absolute'),
                                           ('ok/inside.txt', short.format(n=25, m=26).encode())]))
write('archives/bomb.zip', zip_bytes([('zeros.txt', bytes(40 << 20))]))
write('archives/nested.zip', zip_bytes([('inner.zip', zip_bytes([('deep.txt', b'x')]))]))
write('archives/corrupt.zip', zip_bytes([('r.txt', short.format(n=27, m=28).encode() * 50)])[:120])

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w:gz') as t:
    for name, data in [('../../evil.txt', b'escape'), ('reports/r.txt', short.format(n=29, m=30).encode())]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 1704067200
        t.addfile(info, io.BytesIO(data))
    link = tarfile.TarInfo('reports/link')
    link.type = tarfile.SYMTYPE
    link.linkname = '/etc/passwd'
    t.addfile(link)
write('archives/traversal.tar.gz', buf.getvalue())
