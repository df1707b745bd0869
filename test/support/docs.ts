// Reading the documentation as the docs test checks it: which Markdown files are docs, their fenced code
// blocks (with the info string's language and flags), their links, and the anchors GitHub gives headings.
// The conventions are written down in CONTRIBUTING.md, "Docs snippets".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** README.md, CONTRIBUTING.md and every page in docs/, as paths relative to the repository root. */
export function docFiles(): string[] {
  const pages = existsSync('docs')
    ? readdirSync('docs')
        .filter((name) => name.endsWith('.md'))
        .sort()
        .map((name) => join('docs', name))
    : [];
  const more = ['CONTRIBUTING.md', 'examples/web/README.md'].filter((file) => existsSync(file));
  return ['README.md', ...more, ...pages];
}

export interface CodeBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word, lower-cased (`ts`, `sh`, …); '' when none. */
  lang: string;
  /** The info string's other words (`errors`, `no-check`, …). */
  flags: string[];
  code: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;

/** The fenced code blocks of a Markdown text, in order. */
export function codeBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const [lang = '', ...flags] = open[3]!.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]!);
      if (close && close[2]!.startsWith(fence[0]!) && close[2]!.length >= fence.length && !close[3]!.trim())
        break;
      body.push(lines[j]!);
    }
    blocks.push({ file, line: i + 1, lang: lang.toLowerCase(), flags, code: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

/**
 * The file a block declares itself to be (info string `ts file=apollo-client.ts`): blocks of one page that
 * name files form one small project, written side by side so that they import each other.
 */
export function snippetFile(block: CodeBlock): string | undefined {
  const flag = block.flags.find((word) => word.startsWith('file='));
  return flag?.slice('file='.length);
}

/** A page's named files, in order (their names as declared; the last block of a name wins). */
export function snippetFiles(file: string, text: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const block of codeBlocks(file, text)) {
    const name = snippetFile(block);
    if (name) files.set(name, block.code);
  }
  return files;
}

/** The text outside fenced code blocks and inline code spans (where links and headings live). */
export function prose(text: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const match = FENCE.exec(line);
    if (match) {
      if (!fence) fence = match[2];
      else if (match[2]!.startsWith(fence[0]!) && !match[3]!.trim()) fence = undefined;
      out.push('');
      continue;
    }
    out.push(fence ? '' : line.replace(/`[^`]*`/g, (span) => ' '.repeat(span.length)));
  }
  return out.join('\n');
}

/**
 * The anchors GitHub generates for a page's headings: the heading text lower-cased, inline formatting
 * removed, every character that is not a letter, digit, space, `-` or `_` dropped, spaces turned into `-`;
 * a repeated slug gets `-1`, `-2`, ….
 */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of text.split('\n')) {
    const match = FENCE.exec(line);
    if (match) {
      if (!fence) fence = match[2];
      else if (match[2]!.startsWith(fence[0]!) && !match[3]!.trim()) fence = undefined;
      continue;
    }
    if (fence) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*~]/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Inline Markdown links and images (`[text](target)`) outside code; external and mail links included. */
export function links(file: string, text: string): Link[] {
  const found: Link[] = [];
  prose(text)
    .split('\n')
    .forEach((line, index) => {
      for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        found.push({ file, line: index + 1, target: match[1]! });
      }
    });
  return found;
}

/** Reads a file relative to the repository root. */
export function read(file: string): string {
  return readFileSync(file, 'utf8');
}

/**
 * The JSON values a shell block printed: SSE `data:` lines when the output is an event stream, otherwise
 * one or more JSON texts written one after another (several curl calls).
 */
export function jsonValues(output: string): unknown[] {
  if (/^(event|data):/m.test(output)) {
    return output
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trim())
      .filter(Boolean)
      .map((data) => JSON.parse(data));
  }
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < output.length; i++) {
    const char = output[i]!;
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) values.push(JSON.parse(output.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(char)) {
      throw new Error(`not JSON at ${i}: ${output.slice(i, i + 80)}`);
    }
  }
  if (depth !== 0) throw new Error(`truncated JSON: ${output.slice(-80)}`);
  return values;
}
