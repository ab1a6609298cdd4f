import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { parseDocument } from 'yaml';
import { ConfigError, DcAgentError, type FieldIssue } from '../core/errors.js';

/**
 * What the YAML parser said, in a form that crosses a thread: the offset (-1 when the parser
 * threw without naming one, e.g. too many aliases) and the first line.
 */
interface YamlProblem {
  offset: number;
  message: string;
}

type Parsed = { value: unknown } | { problems: YamlProblem[] };

// The worker runs this function's source text (`parsed.toString()`), so it must stay
// self-contained: the parser comes in as an argument, and it may use no import, no helper defined
// outside it, and nothing a coverage tool would inject (this file is not instrumented for that).
function parsed(parse: typeof parseDocument, text: string): Parsed {
  try {
    const doc = parse(text, { uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length === 0) return { value: doc.toJS() ?? {} };
    return {
      problems: doc.errors.map((e) => ({ offset: e.pos[0], message: e.message.split('\n')[0] ?? e.message })),
    };
  } catch (err) {
    // toJS() throws on what the document holds (an alias bomb, say): the file's fault all the same.
    return {
      problems: [{ offset: -1, message: String((err as Error)?.message ?? err).split('\n')[0] ?? '' }],
    };
  }
}

function issues(text: string, problems: readonly YamlProblem[]): FieldIssue[] {
  return problems.map(({ offset, message }) => {
    if (offset < 0) return { path: '(yaml)', message };
    const before = text.slice(0, offset).split('\n');
    const column = (before.at(-1)?.length ?? 0) + 1;
    return { path: `(yaml line ${before.length}, column ${column})`, message };
  });
}

function settle(text: string, result: Parsed): unknown {
  if ('problems' in result) throw new ConfigError(issues(text, result.problems));
  return result.value;
}

/** The YAML document as plain data; a syntax error is a ConfigError naming its line and column. */
export function parseYaml(text: string): unknown {
  return settle(text, parsed(parseDocument, text));
}

// The worker runs this same parse with the installed `yaml` package (CommonJS, found from here so
// the working directory does not matter). It gets `parsed` as source text because a worker cannot
// load this TypeScript file under the test runner.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { parseDocument } = require(workerData.yaml);
parentPort.postMessage((${parsed.toString()})(parseDocument, workerData.text));
`;

/** parseYaml in a short-lived worker thread, so the parse's garbage never enters this heap. */
export async function parseYamlInWorker(text: string, timeoutMs = 30_000): Promise<unknown> {
  const yaml = createRequire(import.meta.url).resolve('yaml');
  const result = await new Promise<Parsed>((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { yaml, text } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new DcAgentError('internal', `the configuration's YAML took over ${timeoutMs} ms to parse`));
    }, timeoutMs);
    worker.once('message', (m: Parsed) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new DcAgentError('internal', `the configuration's YAML parser failed: ${err.message}`, {
          cause: err,
        }),
      );
    });
    // A worker that ends without a word (killed, out of memory) is not left to the timeout; after
    // a message this comes too, and changes nothing.
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new DcAgentError('internal', `the configuration's YAML parser ended (exit ${code}) without a result`),
      );
    });
  });
  return settle(text, result);
}
