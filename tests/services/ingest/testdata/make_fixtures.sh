#!/usr/bin/env bash
# Regenerates the format fixtures in this folder from samples/reports.
# Needs LibreOffice (Debian: libreoffice-writer-nogui) and python3; CI does
# not run it: the fixtures are committed. The hand-written web pages
# (*.html) and the styled .docx built by make_styled_docx.py are the other
# fixtures; see README.md here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
soffice_() {
  soffice -env:UserInstallation="file://$work/profile" --headless "$@" >/dev/null 2>&1
}
txt_filter='Text (encoded):UTF8,LF,,,'
cp "$root/samples/reports/000_dcd7630493403724.txt" "$work/sample000.txt"
cp "$root/samples/reports/003_1c944b72cf063491.txt" "$work/sample003.txt"
# .docx and .pdf of sample 000 and a PDF of sample 003 (longer lines, two pages).
soffice_ --infilter="$txt_filter" --convert-to 'docx:MS Word 2007 XML' --outdir "$work" "$work/sample000.txt"
soffice_ --infilter="$txt_filter" --convert-to pdf --outdir "$work" "$work/sample000.txt"
soffice_ --infilter="$txt_filter" --convert-to pdf --outdir "$work" "$work/sample003.txt"
# Legacy formats for the rejection tests: Word 97 .doc (also saved as .wps,
# which Kingsoft writes in the same OLE2 container) and OpenDocument .odt.
head -n 3 "$work/sample000.txt" > "$work/legacy.txt"
soffice_ --infilter="$txt_filter" --convert-to 'doc:MS Word 97' --outdir "$work" "$work/legacy.txt"
soffice_ --infilter="$txt_filter" --convert-to odt --outdir "$work" "$work/legacy.txt"
# An encrypted PDF (open password "secret").
soffice_ --infilter="$txt_filter" --convert-to \
  'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},"DocumentOpenPassword":{"type":"string","value":"secret"}}' \
  --outdir "$work/enc" "$work/legacy.txt"
cp "$work/sample000.docx" "$work/sample000.pdf" "$work/sample003.pdf" "$here/"
cp "$work/legacy.doc" "$here/legacy.doc"
cp "$work/legacy.doc" "$here/legacy.wps"
cp "$work/legacy.odt" "$here/legacy.odt"
cp "$work/enc/legacy.pdf" "$here/encrypted.pdf"
python3 "$here/make_styled_docx.py" "$root/samples/reports/000_dcd7630493403724.txt" "$here/sample000_styled.docx"
python3 "$here/make_scanned_pdf.py" "$here/scanned.pdf"
python3 "$here/make_gov_pages.py" "$root/samples/reports/002_a6fefeade6ba0466.txt" "$root/samples/reports/004_7ab535f76b944261.txt" "$here"
