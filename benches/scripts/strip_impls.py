#!/usr/bin/env python3
"""Where a generated crate's compile time goes: writes a copy of its `src/lib.rs` with one kind
of generated code stubbed out (a body of `unimplemented!()`), so that `cargo check` of the copy
against the original tells what that code costs (BENCHMARKS.md, section 7).

usage: strip_impls.py IN OUT VARIANT...

VARIANT, one or more of:
  de         derived `Deserialize` impls replaced by stub impls
  ser        derived `Serialize` impls replaced by stub impls (only where no `#[serde]`
             attribute is left, else the copy does not compile)
  std        derived `Clone`, `Debug`, `PartialEq`, `Eq`, `Hash`, `Default` replaced by stubs
  nounknown  the `unknown_fields` map (field, `#[serde(flatten)]`, its initialisers) removed
  request    the bodies of the builders' `fn request(self)` stubbed
  validate   the bodies of `pub fn validate(&self)` stubbed
  send       the bodies of the builders' `pub fn send(self)` stubbed

For example, with a crate written by `aqua-codegen crate --out /tmp/asc --name asc SPEC`:
  cp -r /tmp/asc /tmp/asc-de && benches/scripts/strip_impls.py /tmp/asc/src/lib.rs \
      /tmp/asc-de/src/lib.rs de
then `cargo check` each (same target directory, dependencies built first) and compare.
"""
import re, sys

src = open(sys.argv[1]).read()
exps = sys.argv[3:]

def match_brace(s, i):
    """s[i] == '{'; index after its matching '}' (skips string literals and chars roughly)."""
    depth = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            i += 1
            while s[i] != '"':
                if s[i] == '\\':
                    i += 1
                i += 1
        elif c == "'" and i + 2 < n and (s[i+2] == "'" or (s[i+1] == '\\' and s[i+3] == "'")):
            i += 2 if s[i+2] == "'" else 3
        elif c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError

STUB = {
 'Deserialize': "impl<'de> ::serde::Deserialize<'de> for {n} {{ fn deserialize<D: ::serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {{ unimplemented!() }} }}",
 'Serialize': "impl ::serde::Serialize for {n} {{ fn serialize<S: ::serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {{ unimplemented!() }} }}",
 'Clone': "impl Clone for {n} {{ fn clone(&self) -> Self {{ unimplemented!() }} }}",
 'Debug': "impl ::std::fmt::Debug for {n} {{ fn fmt(&self, _: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{ unimplemented!() }} }}",
 'PartialEq': "impl PartialEq for {n} {{ fn eq(&self, _: &Self) -> bool {{ unimplemented!() }} }}",
 'Eq': "impl Eq for {n} {{}}",
 'Hash': "impl ::std::hash::Hash for {n} {{ fn hash<H: ::std::hash::Hasher>(&self, _: &mut H) {{ unimplemented!() }} }}",
 'Default': "impl Default for {n} {{ fn default() -> Self {{ unimplemented!() }} }}",
}

def stub_derives(src, traits, kinds):
    out = []
    extra = []
    pos = 0
    for m in re.finditer(r'#\[derive\(([^)]*)\)\]\n((?:#\[[^\n]*\]\n)*)pub (struct|enum) (\w+)(<[^>]*>)?', src):
        if m.group(5) or m.group(3) not in kinds:
            continue
        ds = [d.strip() for d in m.group(1).split(',')]
        keep = [d for d in ds if d.replace('::serde::', '') not in traits]
        gone = [d.replace('::serde::', '') for d in ds if d.replace('::serde::', '') in traits]
        if not gone:
            continue
        out.append(src[pos:m.start(1)])
        out.append(', '.join(keep))
        pos = m.end(1)
        for g in gone:
            extra.append(STUB[g].format(n=m.group(4)))
    out.append(src[pos:])
    s = ''.join(out).replace('#[derive()]\n', '')
    return s + '\n' + '\n'.join(extra) + '\n'

def stub_fn_bodies(src, pattern):
    out = []
    pos = 0
    for m in re.finditer(pattern, src):
        if m.start() < pos:
            continue
        b = src.index('{', m.end() - 1)
        e = match_brace(src, b)
        out.append(src[pos:b])
        out.append('{ unimplemented!() }')
        pos = e
    out.append(src[pos:])
    return ''.join(out)

for e in exps:
    if e == 'de':
        src = stub_derives(src, {'Deserialize'}, {'struct', 'enum'})
    elif e == 'ser':
        src = stub_derives(src, {'Serialize'}, {'struct', 'enum'})
    elif e == 'std':
        src = stub_derives(src, {'Clone', 'Debug', 'PartialEq', 'Eq', 'Hash', 'Default'}, {'struct', 'enum'})
    elif e == 'nounknown':
        src = re.sub(r'    /// Properties the spec does not list[^\n]*\n    ///[^\n]*\n    #\[serde\(flatten\)\]\n    pub unknown_fields: [^\n]*\n', '', src)
        src = re.sub(r'\n\s*unknown_fields: ::std::collections::BTreeMap::new\(\),', '', src)
    elif e == 'request':
        src = stub_fn_bodies(src, r'fn request\(self\)[^{]*\{')
    elif e == 'validate':
        src = stub_fn_bodies(src, r'pub fn validate\(&self\) -> Result<\(\), String> \{')
    elif e == 'send':
        src = stub_fn_bodies(src, r'pub fn send\(\s*self,\s*\)[^{]*\{')
    else:
        raise SystemExit('unknown variant ' + e + ' (see --help in the docstring)')
open(sys.argv[2], 'w').write(src)
