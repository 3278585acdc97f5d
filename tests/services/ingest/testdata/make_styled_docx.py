#!/usr/bin/env python3
"""Writes a .docx the way Word does for a report with styled, auto-numbered headings.

Usage: make_styled_docx.py REPORT.txt OUT.docx

Lines like "一、..." become "Heading 1" paragraphs and "（一）..." lines
"Heading 2" paragraphs whose number text comes from numbering.xml (Chinese
counting, "%1、" and "（%2）"), not from the paragraph text; the first line is
a "Title" paragraph; every heading carries a _Toc bookmark, as Word's
navigation pane adds them. Extracting the text must give back the original
lines.
"""
import re
import sys
import zipfile
from xml.sax.saxutils import escape

W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
CN = '一二三四五六七八九十'


def para(text, style=None, bookmark=None):
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ''
    body = f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ''
    if bookmark is not None:
        body = (f'<w:bookmarkStart w:id="{bookmark}" w:name="_Toc{100000 + bookmark}"/>' + body +
                f'<w:bookmarkEnd w:id="{bookmark}"/>')
    return f'<w:p>{ppr}{body}</w:p>'


def main():
    src, out = sys.argv[1], sys.argv[2]
    lines = open(src, encoding='utf-8').read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    paras = []
    mark = 0
    for i, line in enumerate(lines):
        h1 = re.match(f'^[{CN}]+、', line)
        h2 = re.match(f'^（[{CN}]+）', line)
        if i == 0:
            paras.append(para(line, 'Title'))
        elif h1:
            mark += 1
            paras.append(para(line[h1.end():], 'Heading1', mark))
        elif h2:
            mark += 1
            paras.append(para(line[h2.end():], 'Heading2', mark))
        else:
            paras.append(para(line))
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}"><w:body>'
                + ''.join(paras) + '<w:sectPr/></w:body></w:document>')
    styles = f'''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W}">
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>
<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="0"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Heading1"/>
<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
</w:styles>'''
    numbering = f'''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:numbering xmlns:w="{W}">
<w:abstractNum w:abstractNumId="0">
<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>
<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>
</w:abstractNum>
<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
</w:numbering>'''
    content_types = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
</Types>'''
    rels = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>'''
    doc_rels = '''<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
</Relationships>'''
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
        for name, data in [('[Content_Types].xml', content_types), ('_rels/.rels', rels),
                           ('word/document.xml', document), ('word/styles.xml', styles),
                           ('word/numbering.xml', numbering), ('word/_rels/document.xml.rels', doc_rels)]:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data.encode('utf-8'))


if __name__ == '__main__':
    main()
