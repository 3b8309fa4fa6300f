// Input files: expanding directories, reading JSON with line numbers for error messages.
import fs from 'node:fs';
import path from 'node:path';

// Every *.json below `target` (a file is taken as is). A directory with none is an error the
// caller reports: a render step that wrote nothing must not pass.
export function expandPaths(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return { missing: true, files: [] };
  }
  if (!stat.isDirectory()) return { missing: false, files: [target] };
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) files.push(full);
    }
  };
  walk(target);
  return { missing: false, files };
}

// The line of every JSON value, by its path ("blocks[0].text.text"), found by a small scanner
// over the text: JSON.parse keeps no positions, and a reader needs the line to find the fault.
export function lineIndex(text) {
  const lines = new Map();
  let i = 0;
  let line = 1;
  const skip = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') line++;
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t') i++;
      else break;
    }
  };
  const readString = () => {
    let out = '';
    i++;  // opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        out += text.slice(i, i + 2);
        i += 2;
      } else {
        if (text[i] === '\n') line++;
        out += text[i++];
      }
    }
    i++;
    try {
      return JSON.parse(`"${out}"`);
    } catch {
      return out;
    }
  };
  const value = (where) => {
    skip();
    lines.set(where, line);
    const c = text[i];
    if (c === '{') {
      i++;
      skip();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        skip();
        const key = readString();
        skip();
        i++;  // ':'
        value(where === '' ? key : `${where}.${key}`);
        skip();
        if (text[i] === ',') { i++; continue; }
        i++;  // '}'
        return;
      }
    } else if (c === '[') {
      i++;
      skip();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) {
        value(`${where}[${n}]`);
        skip();
        if (text[i] === ',') { i++; continue; }
        i++;
        return;
      }
    } else if (c === '"') {
      readString();
    } else {
      while (i < text.length && !',]} \n\r\t'.includes(text[i])) i++;
    }
  };
  value('');
  return (where) => {
    // The nearest enclosing value that has a line (a path into a missing key names its parent).
    for (let p = where; ; p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, '')) {
      if (lines.has(p)) return lines.get(p);
      if (p === '') return 1;
    }
  };
}

export function readJson(file) {
  const text = fs.readFileSync(file, 'utf8');
  const json = JSON.parse(text);  // throws with the position; the caller reports it
  return { text, json, lineOf: lineIndex(text) };
}

export function joinPath(base, key) {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}
