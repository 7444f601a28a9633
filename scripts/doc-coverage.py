#!/usr/bin/env python3
"""Doc-comment coverage of a module's public declarations, from the symbol graph that
`swift package generate-documentation` extracts (scripts/check-docs.sh runs it).

  scripts/doc-coverage.py [--list] SYMBOLS.json...

Counts the public symbols declared in this repository's sources (compiler-synthesized and
standard-library-inherited members, which no comment can document, are left out) and how many
carry a doc comment of their own; a witness documented only by its protocol requirement's
comment counts as inherited. --list prints each other declaration as `file:line<TAB>symbol`.
"""
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
show = '--list' in sys.argv
for path in [a for a in sys.argv[1:] if a != '--list']:
    graph = json.load(open(path))
    total = own = inherited = 0
    missing = []
    for symbol in graph['symbols']:
        location = symbol.get('location')
        if not location:
            continue
        file = location['uri'].removeprefix('file://')
        if not file.startswith(os.path.join(root, 'Sources') + os.sep):
            continue
        total += 1
        comment = symbol.get('docComment')
        if comment and comment.get('uri') == location['uri']:
            own += 1
            continue
        inherited += bool(comment)
        missing.append((os.path.relpath(file, root), location['position']['line'] + 1,
                        '.'.join(symbol['pathComponents']), 'inherited doc only' if comment else ''))
    module = graph['module']['name']
    share = 100 * own / total if total else 100
    print(f"{module}: {own}/{total} public declarations with their own doc comment ({share:.1f}%), "
          f"{inherited} with an inherited one only, {total - own - inherited} with none")
    if show:
        for file, line, name, note in sorted(missing):
            print(f"  {file}:{line}\t{name}" + (f"\t({note})" if note else ''))
