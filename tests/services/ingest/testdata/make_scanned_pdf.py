#!/usr/bin/env python3
"""Writes a one-page PDF holding only an image (a scan): no text layer.

Usage: make_scanned_pdf.py OUT.pdf
"""
import sys
import zlib

w, h = 64, 32
pixels = bytes((x * 4 + y * 2) % 256 for y in range(h) for x in range(w))
image = zlib.compress(pixels)
objects = [
    b'<< /Type /Catalog /Pages 2 0 R >>',
    b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 4 0 R >> >> '
    b'/Contents 5 0 R >>',
    b'<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 '
    b'/Filter /FlateDecode /Length %d >>\nstream\n' % (w, h, len(image)) + image + b'\nendstream',
]
content = b'q 500 0 0 750 47 46 cm /Im0 Do Q'
objects.append(b'<< /Length %d >>\nstream\n' % len(content) + content + b'\nendstream')
out = bytearray(b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
offsets = []
for i, body in enumerate(objects, start=1):
    offsets.append(len(out))
    out += b'%d 0 obj\n' % i + body + b'\nendobj\n'
xref = len(out)
out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
for off in offsets:
    out += b'%010d 00000 n \n' % off
out += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objects) + 1, xref)
open(sys.argv[1], 'wb').write(out)
