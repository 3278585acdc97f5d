#!/usr/bin/env python3
"""How much of each report is its own text.

    bench/own_clauses.py REPORTS_DIR GOLD_META [--sample N] [--seed S]

Cuts every .txt report (UTF-8 or GB18030) into clauses at 。，；：、！？ and their
ASCII forms, drops white space, masks the report's own township and county
(from GOLD_META, devset format) and every number or numeral, then prints the
clauses per report and the share of a report's clauses found in no other report
of the set. An approximation of the fingerprint (common/audit/fingerprint.h),
to compare the real samples with a generated province: run it on
samples/reports with tests/testdata/devset/gold_meta.jsonl, and on N reports of
one county of a gen-corpus output (--sample N takes N reports of the county with
the most, so both sets are alike in size and place).
"""
import collections
import json
import os
import random
import re
import sys

CUT = re.compile(r'[。，；：、！？,;:!?]')
NUM = re.compile(r'[0-9０-９零一二三四五六七八九十百千万亿两〇.%％]+')


def read(path):
    raw = open(path, 'rb').read()
    for enc in ('utf-8', 'gb18030'):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            pass
    return raw.decode('utf-8', 'replace')


def clauses(text, names):
    for n in sorted(names, key=len, reverse=True):
        if n:
            text = text.replace(n, '@')
    out = []
    for c in CUT.split(text):
        c = re.sub(r'\s+', '', c)
        if c:
            out.append(NUM.sub('#', c))
    return out


def main():
    args = sys.argv[1:]
    sample, seed = 0, 1
    if '--sample' in args:
        i = args.index('--sample'); sample = int(args[i + 1]); del args[i:i + 2]
    if '--seed' in args:
        i = args.index('--seed'); seed = int(args[i + 1]); del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    reports, meta_path = args
    meta = {}
    for line in open(meta_path, encoding='utf-8'):
        if line.strip():
            j = json.loads(line)
            meta[j['file']] = j
    files = sorted(f for f in os.listdir(reports) if f.endswith('.txt') and f in meta)
    if sample:
        by_county = collections.defaultdict(list)
        for f in files:
            by_county[meta[f].get('county_or_district') or ''].append(f)
        county = max((c for c in by_county if c), key=lambda c: len(by_county[c]))
        files = random.Random(seed).sample(by_county[county], min(sample, len(by_county[county])))
    docs = {}
    for f in files:
        m = meta[f]
        names = [m.get('township') or '', m.get('county_or_district') or '']
        names += [n[:-1] for n in names if len(n) > 2]
        docs[f] = clauses(read(os.path.join(reports, f)), names)
    df = collections.Counter()
    for c in docs.values():
        df.update(set(c))
    own = sorted(sum(1 for x in c if df[x] == 1) / max(1, len(c)) for c in docs.values())
    lens = sorted(len(c) for c in docs.values())
    n = len(own)
    q = lambda v, p: v[min(n - 1, int(p * n))]
    print(f'reports {n}  clauses per report p50 {q(lens, .5)} (min {lens[0]}, max {lens[-1]})  '
          f'own clauses p10 {q(own, .1):.2f} p50 {q(own, .5):.2f} p90 {q(own, .9):.2f}  distinct clauses {len(df)}')


if __name__ == '__main__':
    main()
