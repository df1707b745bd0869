// The documentation cannot drift from what works: every relative link and #anchor in README.md,
// CONTRIBUTING.md and docs/*.md resolves; every ```ts block type-checks as a module with the project's
// TypeScript (blocks that name a file, ```ts file=NAME.ts, together with their page's other named files, so
// a frontend's files compile as one project); every ```sh block that calls the demo with curl runs against a real demo stack (the simulator
// and the gateway listening on free loopback ports) and prints GraphQL responses with `data` and no
// `errors` (or errors, when its info string says `errors`). Conventions: CONTRIBUTING.md, "Docs snippets".
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../src/config';
import { createHttpServer } from '../src/http';
import { createGateway, type Gateway } from '../src/server';
import { createSimulator } from '../src/simulator/handler';
import { listenSimulator, type RunningSimulator } from '../src/simulator/server';
import {
  type CodeBlock,
  codeBlocks,
  docFiles,
  headingAnchors,
  jsonValues,
  links,
  read,
  snippetFile,
} from './support/docs';

const files = docFiles();
const blocks = files.flatMap((file) => codeBlocks(file, read(file)));
const where = (block: { file: string; line: number }) => `${block.file}:${block.line}`;

describe('docs: links', () => {
  const all = files.flatMap((file) => links(file, read(file)));
  const relative = all.filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link.target));

  it('checks the links of every page', () => {
    expect(relative.length).toBeGreaterThan(20);
  });

  it('every relative link points at a file that exists, and every #anchor at a heading there', () => {
    const broken: string[] = [];
    for (const link of relative) {
      const [path = '', anchor] = link.target.split('#', 2);
      const target = path ? normalize(join(dirname(link.file), decodeURIComponent(path))) : link.file;
      if (!existsSync(target)) {
        broken.push(`${where(link)}: ${link.target} (no such file)`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!target.endsWith('.md') || !headingAnchors(read(target)).has(anchor.toLowerCase())) {
        broken.push(`${where(link)}: ${link.target} (no heading #${anchor} in ${target})`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('docs: the README is the front door', () => {
  const readme = read('README.md');

  it('stays short (at most 200 lines, 20 KB)', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(20_000);
  });

  it('starts with exactly the two quick-start commands (SPEC §1)', () => {
    const quickStart = codeBlocks('README.md', readme).find((block) => block.lang === 'sh');
    expect(quickStart?.code.split('\n').map((line) => line.replace(/\s*#.*$/, ''))).toEqual([
      'npm ci && npm run demo',
      'npm ci && npm test',
      '',
    ]);
  });

  it('no page reads like a development log, or cites files this repository does not have', () => {
    const found = files.flatMap((file) =>
      [
        /\bthis round\b/i,
        /\bperformance round\b/i,
        /\b(this|the) session\b/i,
        /\bsession's\b/i,
        /upstream\/(v2|README)\.md/,
      ]
        .filter((pattern) => pattern.test(read(file)))
        .map((pattern) => `${file}: ${pattern}`),
    );
    expect(found).toEqual([]);
  });
});

describe('docs: configuration', () => {
  it('docs/configuration.md and .env.example name every variable the code reads', () => {
    const page = read('docs/configuration.md');
    const example = read('.env.example');
    expect(ENV_VARIABLES.filter((name) => !page.includes(`| \`${name}\` |`))).toEqual([]);
    expect(ENV_VARIABLES.filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(example))).toEqual([]);
  });
});

describe('docs: TypeScript snippets', () => {
  const snippets = blocks.filter(
    (block) => ['ts', 'typescript'].includes(block.lang) && !block.flags.includes('no-check'),
  );

  it('type-check as modules with the project’s compiler options', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3);
    const folder = join('test-output', `docs-snippets-${process.pid}`);
    mkdirSync(folder, { recursive: true });
    try {
      // A block that names its file (`ts file=apollo-client.ts`) is written under that name in its page's
      // folder, beside the page's other named files: together they must compile, imports included.
      const names = snippets.map((block) => {
        const page = block.file.replace(/[^a-z0-9]+/gi, '-');
        const declared = snippetFile(block);
        const name = declared ? join(folder, page, declared) : join(folder, `${page}-${block.line}.ts`);
        mkdirSync(dirname(name), { recursive: true });
        writeFileSync(name, block.code);
        return name;
      });
      const { config } = ts.readConfigFile('tsconfig.json', (path) => readFileSync(path, 'utf8'));
      const { options } = ts.parseJsonConfigFileContent(config, ts.sys, '.');
      const program = ts.createProgram(names, {
        ...options,
        noEmit: true,
        moduleDetection: ts.ModuleDetectionKind.Force,
      });
      const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        if (!diagnostic.file || diagnostic.start === undefined) return message;
        const index = names.indexOf(normalize(diagnostic.file.fileName));
        const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
        const block = snippets[index];
        return block
          ? `${block.file}:${block.line + 1 + line}: ${message}`
          : `${diagnostic.file.fileName}: ${message}`;
      });
      expect(problems).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('docs: shell snippets against the demo stack', () => {
  const DEMO = /localhost:(4000|4010)\b/;
  const runnable = blocks.filter(
    (block) =>
      ['sh', 'bash', 'shell'].includes(block.lang) && /\bcurl\b/.test(block.code) && DEMO.test(block.code),
  );
  let simulator: RunningSimulator;
  let gateway: Gateway;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    // Jobs move 1,000 times faster than real time and the gateway polls every 50 ms, so that a watched
    // demo job finishes (and its stream completes) within a second or two.
    const start = Date.now();
    simulator = await listenSimulator(createSimulator({ now: () => start + (Date.now() - start) * 1000 }));
    gateway = createGateway({
      upstreamUrl: simulator.url,
      pollIntervalMs: 50,
      graphiql: true,
      introspection: true,
    });
    server = createHttpServer(gateway.yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await gateway?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await simulator?.close();
  });

  it('finds the curl examples', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(3);
  });

  it.each(runnable.map((block) => [where(block), block] as const))(
    '%s',
    async (_name, block) => {
      const simulatorPort = new URL(simulator.url).port;
      const script = block.code
        .replace(/localhost:4000\b/g, `127.0.0.1:${port}`)
        .replace(/localhost:4010\b/g, `127.0.0.1:${simulatorPort}`);
      const { code, stdout, stderr } = await runBash(script);
      expect(code, stderr).toBe(0);
      const values = jsonValues(stdout);
      expect(values.length, stdout).toBeGreaterThan(0);
      for (const value of values) checkResponse(block, value);
    },
    60_000,
  );
});

/** A GraphQL response printed by a block: data and no errors, or errors when the block says `errors`. */
function checkResponse(block: CodeBlock, value: unknown): void {
  if (typeof value !== 'object' || value === null || !('data' in value || 'errors' in value)) return;
  const response = value as { data?: unknown; errors?: unknown[] };
  if (block.flags.includes('errors')) {
    expect(response.errors?.length, JSON.stringify(value)).toBeGreaterThan(0);
  } else {
    expect(response.errors, JSON.stringify(value)).toBeUndefined();
    expect(response.data, JSON.stringify(value)).toBeTruthy();
  }
}

function runBash(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `set -euo pipefail\n${script}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
